"""What the next request will send, in tokens, and what one request cost.

Each message is counted once, with the model's tokenizer, when it is first needed; the count
stays on the message. Once the provider has reported the prompt tokens of a request, the
figure is anchored on that count plus an estimate of what was added since, so it is exact
where the provider says and an estimate (marked) only for the part it has not seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_tui.engine.images import extra_tokens
from mcp_tui.models.messages import Message
from mcp_tui.models.usage import RequestUsage, Source
from mcp_tui.store.model_facts import FREE, price_for
from mcp_tui.store.tokens import REPLY_PRIMING, count_message_tokens, count_tokens, encoding_name_for

if TYPE_CHECKING:
    from mcp_tui.llm.adapter import StreamUsage


@dataclass(frozen=True)
class Anchor:
    """The provider's prompt count for a request that sent messages[:sent] of this segment."""

    prompt_tokens: int
    sent: int  # how many history messages the request held (all segments' indexes)
    segment_start: int
    schema_tokens: int  # what every request carries besides messages: tool schemas, server instructions
    model: str


@dataclass
class _Run:
    """A running sum over history[start:upto]: each request adds only the new messages."""

    history: list[Message]
    start: int
    upto: int
    encoding: str
    last: Message | None
    total: int = 0


class ContextMeter:
    def __init__(self) -> None:
        self.anchor: Anchor | None = None
        self._summary: tuple[str, int] = ("", 0)
        self._run: _Run | None = None
        self.vision = False  # the model sees images: tool results' images are sent, and count

    def _key(self, model: str) -> str:
        return encoding_name_for(model) + ("+images" if self.vision else "")

    def message_tokens(self, message: Message, model: str) -> int:
        key = self._key(model)
        cached = message._tokens
        if cached is None or cached[0] != key:
            images = extra_tokens(message, model) if self.vision else 0
            cached = message._tokens = (key, count_message_tokens(message.to_llm(), model) + images)
        return cached[1]

    def summary_tokens(self, summary: str, model: str) -> int:
        """The synthetic system message that carries earlier segments' summaries."""
        if not summary:
            return 0
        if self._summary[0] != summary:
            self._summary = (summary, count_message_tokens({"role": "system", "content": summary}, model))
        return self._summary[1]

    def segment_tokens(self, history: list[Message], start: int, model: str) -> int:
        """Tokens of history[start:], counting only what was added since the last call."""
        encoding, run = self._key(model), self._run
        fresh = (
            run is None
            or run.history is not history
            or (run.start, run.encoding) != (start, encoding)
            or run.upto > len(history)
            or (run.upto > start and history[run.upto - 1] is not run.last)
        )
        if fresh:
            run = self._run = _Run(history, start, start, encoding, None)
        for i in range(run.upto, len(history)):
            run.total += self.message_tokens(history[i], model)
        run.upto = len(history)
        run.last = history[-1] if len(history) > start else None
        return run.total

    def estimate(self, system: list[Message], summary: str, history: list[Message], start: int, schema_tokens: int, model: str) -> int:
        """A request holding these parts, counted offline."""
        messages = sum(self.message_tokens(m, model) for m in system) + self.segment_tokens(history, start, model)
        return messages + self.summary_tokens(summary, model) + schema_tokens + REPLY_PRIMING

    def fill(
        self,
        history: list[Message],
        segment_start: int,
        system: list[Message],
        summary: str,
        schema_tokens: int,
        model: str,
    ) -> tuple[int, Source]:
        """Tokens of the next request, and whether the provider's count is their base."""
        a = self.anchor
        if a is not None and a.segment_start == segment_start and a.model == model and a.sent <= len(history):
            added = sum(self.message_tokens(m, model) for m in history[a.sent :])
            return max(0, a.prompt_tokens + added + schema_tokens - a.schema_tokens), "provider"
        return self.estimate(system, summary, history, segment_start, schema_tokens, model), "estimate"


def request_usage(
    reported: StreamUsage | None,
    *,
    prompt_estimate: int,
    completion_text: str,
    provider: str,
    model: str,
) -> RequestUsage:
    """One request's usage: the provider's where it reported it, else an estimate; priced."""
    if reported is not None and (reported.prompt_tokens or reported.completion_tokens):
        usage = RequestUsage(
            prompt_tokens=reported.prompt_tokens,
            completion_tokens=reported.completion_tokens,
            cached_tokens=min(reported.cached_tokens, reported.prompt_tokens),
            reasoning_tokens=reported.reasoning_tokens,
            reported=True,
        )
    else:
        usage = RequestUsage(prompt_tokens=prompt_estimate, completion_tokens=count_tokens(completion_text, model))
    price = price_for(provider, model)
    usage.cost = None if price is None else price.cost(usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens)
    usage.free = price == FREE
    return usage


def completion_text(content: str, calls: list[Any]) -> str:
    """What the model wrote, tool calls included, for counting an unreported completion."""
    return content + "".join(f"{c.name}{c.arguments}" for c in calls)
