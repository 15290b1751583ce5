"""The token gauge: the context the next request sends against the threshold; yellow from
80 %, red at 100 %. "~" marks a figure the provider has not reported (an estimate).

Colours come from styles.tcss through the classes `-warn` and `-over`.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from mcp_tui.models.usage import TokenUsageStats, short_count

BAR = 18


class TokenGauge(Widget):
    used: reactive[int] = reactive(0)
    threshold: reactive[int] = reactive(150_000)
    estimated: reactive[bool] = reactive(True)

    def __init__(self, threshold: int = 150_000, **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(TokenGauge.threshold, threshold)

    def show(self, stats: TokenUsageStats, threshold: int) -> None:
        self.threshold = threshold
        self.used = stats.context_tokens
        self.estimated = stats.context_source != "provider"

    def watch_used(self) -> None:
        self._restyle()

    def watch_threshold(self) -> None:
        self._restyle()

    @property
    def fraction(self) -> float:
        return self.used / self.threshold if self.threshold else 0.0

    def _restyle(self) -> None:
        stats = TokenUsageStats(context_tokens=self.used)
        self.set_class(stats.approaching_limit(self.threshold) and not stats.exceeded_limit(self.threshold), "-warn")
        self.set_class(stats.exceeded_limit(self.threshold), "-over")

    def render(self) -> Text:
        filled = min(BAR, round(self.fraction * BAR))
        text = Text()
        text.append("█" * filled)
        text.append("░" * (BAR - filled), style="dim")
        mark = "~" if self.estimated else ""
        text.append(f" {self.fraction * 100:3.0f}%\n{mark}{short_count(self.used)} / {short_count(self.threshold)}")
        return text
