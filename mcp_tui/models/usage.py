"""Token and cost figures, each saying where it comes from.

Two kinds of figure, kept apart:
- the context: what the *next* request will send (system prompt, summaries, the current
  segment's messages as sent, tool schemas), compared with the threshold by the gauge;
- the session's totals: prompt and completion tokens and cost summed over every request
  made, from the provider's own usage where it reported it.
A figure the provider did not report is an estimate and is shown with "~".
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, computed_field, model_validator

WARN_FRACTION = 0.8

Source = Literal["provider", "estimate", "mixed"]


def short_count(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class RequestUsage(BaseModel):
    """One request's usage: the provider's figures when `reported`, else our estimate."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # part of prompt_tokens, read from the provider's cache
    reasoning_tokens: int = 0  # part of completion_tokens
    reported: bool = False
    cost: float | None = 0.0  # None: the model has no known price
    free: bool = False  # a model that runs here (or the demo): no bill at all

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class TokenUsageStats(BaseModel):
    # -- the context the next request sends
    context_tokens: int = 0
    context_source: Source = "estimate"  # "provider": anchored on the last reported prompt
    schema_tokens: int = 0  # of context_tokens: the tool definitions
    instruction_tokens: int = 0  # of context_tokens: the servers' instructions in the system prompt
    window: int | None = None  # the model's context window, where known
    # -- the session's totals over every request
    requests: int = 0
    reported_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float | None = 0.0  # None: a request's model has no known price
    free_requests: int = 0
    segments: int = 1
    messages: int = 0

    @model_validator(mode="before")
    @classmethod
    def _from_older_files(cls, data: Any) -> Any:
        """Session files before 0.2 stored text estimates under other names."""
        if isinstance(data, dict) and "requests" not in data:
            data = {**data, "context_tokens": data.get("context_tokens", data.get("segment_tokens") or 0)}
            if "estimated_cost" in data and "cost" not in data:
                data["cost"] = data.get("estimated_cost")
            # Their total was the tally of message text; keep it whole (as prompt) where the split is missing.
            split = (data.get("prompt_tokens") or 0) + (data.get("completion_tokens") or 0)
            if isinstance(data.get("total_tokens"), int) and data["total_tokens"] > split:
                data["prompt_tokens"] = (data.get("prompt_tokens") or 0) + data["total_tokens"] - split
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @computed_field  # type: ignore[prop-decorator]
    @property
    def totals_source(self) -> Source:
        if self.requests and self.reported_requests == self.requests:
            return "provider"
        return "mixed" if self.reported_requests else "estimate"

    def add(self, usage: RequestUsage) -> None:
        self.requests += 1
        self.reported_requests += usage.reported
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.cached_tokens += usage.cached_tokens
        self.reasoning_tokens += usage.reasoning_tokens
        self.cost = None if self.cost is None or usage.cost is None else self.cost + usage.cost
        self.free_requests += usage.free

    def minus(self, earlier: TokenUsageStats) -> TokenUsageStats:
        """The totals accrued since `earlier` (a segment's share)."""
        cost = None if self.cost is None or earlier.cost is None else max(0.0, self.cost - earlier.cost)
        return TokenUsageStats(
            requests=self.requests - earlier.requests,
            reported_requests=self.reported_requests - earlier.reported_requests,
            prompt_tokens=self.prompt_tokens - earlier.prompt_tokens,
            completion_tokens=self.completion_tokens - earlier.completion_tokens,
            cached_tokens=self.cached_tokens - earlier.cached_tokens,
            reasoning_tokens=self.reasoning_tokens - earlier.reasoning_tokens,
            cost=cost,
            free_requests=self.free_requests - earlier.free_requests,
        )

    # -- the gauge
    def fraction(self, threshold: int) -> float:
        return self.context_tokens / threshold if threshold > 0 else 0.0

    def approaching_limit(self, threshold: int) -> bool:
        return self.fraction(threshold) >= WARN_FRACTION

    def exceeded_limit(self, threshold: int) -> bool:
        return self.fraction(threshold) >= 1.0

    # -- how both faces say it
    def context_text(self) -> str:
        return _marked(self.context_tokens, self.context_source)

    def totals_text(self, n: int) -> str:
        return _marked(n, self.totals_source)

    def cost_text(self) -> str:
        if self.cost is None:
            return "no price"
        if self.requests and self.free_requests == self.requests:
            return "free"
        mark = "" if self.totals_source == "provider" else "~"
        return f"{mark}${self.cost:.4f}"

    def source_note(self) -> str:
        return {
            "provider": "as the provider reported them",
            "mixed": "partly reported by the provider, partly estimated (~)",
            "estimate": "estimated (~): the provider reported no usage",
        }[self.totals_source]

    def report(self, threshold: int) -> str:
        """/cost: the context apart from the session's totals, each with its source."""
        context = f"Context: {self.context_text()} of the {short_count(threshold)}-token threshold"
        context += f" (tool definitions ~{short_count(self.schema_tokens)}"
        context += f"; server instructions ~{short_count(self.instruction_tokens)}" if self.instruction_tokens else ""
        context += f"; model window {short_count(self.window)})" if self.window else ")"
        context += ", counted from the provider's last report plus what was added since." if self.context_source == "provider" else ", estimated (~) with the model's tokenizer."
        cached = f", {short_count(self.cached_tokens)} of the prompt from cache" if self.cached_tokens else ""
        reasoning = f", {short_count(self.reasoning_tokens)} of it reasoning" if self.reasoning_tokens else ""
        totals = (
            f"Session: {self.totals_text(self.total_tokens)} tokens over {_requests(self.requests)} (prompt "
            f"{self.totals_text(self.prompt_tokens)}{cached}; completion {self.totals_text(self.completion_tokens)}{reasoning}), "
            f"{self.source_note()}."
        )
        if self.cost is None:
            cost = "Cost: no price is known for this model."
        elif self.cost_text() == "free":
            cost = "Cost: free (nothing is billed for this model)."
        else:
            cost = f"Cost: {self.cost_text()} (usage × the model's list price)."
        return f"{context}\n{totals}\n{cost}"

    def totals_line(self) -> str:
        """The session's totals in one line, with their source (exports, listings)."""
        return (
            f"{self.totals_text(self.total_tokens)} tokens over {_requests(self.requests)} (prompt {self.totals_text(self.prompt_tokens)}, "
            f"completion {self.totals_text(self.completion_tokens)}), {self.source_note()}; cost {self.cost_text()}."
        )

    def summary(self) -> dict[str, Any]:
        """The figures with their sources, for --json and files."""
        return self.model_dump()


def _requests(n: int) -> str:
    return f"{n} request" + ("" if n == 1 else "s")


def _marked(n: int, source: Source) -> str:
    return ("" if source == "provider" else "~") + short_count(n)
