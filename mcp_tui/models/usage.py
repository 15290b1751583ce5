"""Token and cost figures, refreshed from SessionManager.get_stats()."""

from __future__ import annotations

from typing import Any, Mapping

from pydantic import BaseModel

WARN_FRACTION = 0.8


class TokenUsageStats(BaseModel):
    total_tokens: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated_cost: float = 0.0
    segments: int = 1
    segment_tokens: int = 0  # tokens of the current segment: what the gauge compares to the threshold
    messages: int = 0

    def update(self, stats: Mapping[str, Any] | Any) -> None:
        """Copy what a SessionStats (or any mapping of the same keys) reports."""
        get = stats.get if isinstance(stats, Mapping) else lambda k, d=None: getattr(stats, k, d)
        for key, source in (
            ("total_tokens", "total_tokens"),
            ("prompt_tokens", "prompt_tokens"),
            ("completion_tokens", "completion_tokens"),
            ("estimated_cost", "estimated_cost"),
            ("segments", "session_segments"),
            ("segment_tokens", "segment_tokens"),
            ("messages", "total_messages"),
        ):
            value = get(source, None)
            if value is not None:
                setattr(self, key, value)

    def fraction(self, threshold: int) -> float:
        return self.segment_tokens / threshold if threshold > 0 else 0.0

    def approaching_limit(self, threshold: int) -> bool:
        return self.fraction(threshold) >= WARN_FRACTION

    def exceeded_limit(self, threshold: int) -> bool:
        return self.fraction(threshold) >= 1.0
