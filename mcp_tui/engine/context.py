"""ChatContext: our OpenAI-format message list, with SessionManager tracking beside it.

The message list is the truth sent to the provider; the SessionManager only tracks the
same traffic for tokens, cost and segments (shared/reference/session-manager-integration.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from mcp_tui.engine.summary import extractive_summary
from mcp_tui.models.messages import ConversationHistory, Message, MessageRole, ToolCall
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.tracker import SessionTracker

DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant in a terminal chat. You can call the tools of the "
    "connected MCP servers; call a tool when it gives a better answer than memory, and "
    "say briefly what a tool returned. Answer in Markdown."
)

# For models that get no tools: a tiny model follows a short, plain prompt best.
PLAIN_SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly, in the language of the question."


class SegmentInfo(BaseModel):
    number: int
    messages: list[Message]
    summary: str | None  # None for the current segment
    tokens: int
    cost: float | None  # None while the segment is open

    @property
    def time_range(self) -> tuple[float, float] | None:
        return (self.messages[0].at, self.messages[-1].at) if self.messages else None


class ChatContext:
    def __init__(
        self,
        *,
        provider: str,
        model: str,
        system_prompt: str | None = DEFAULT_SYSTEM_PROMPT,
        token_threshold: int = 150_000,
        enable_infinite_context: bool = True,
        max_turns_per_segment: int = 200,
    ) -> None:
        self.provider = provider
        self.model = model
        self.label: str | None = None  # what the screen calls the model when provider/model says too little
        self.token_threshold = token_threshold
        self.enable_infinite_context = enable_infinite_context
        self.history = ConversationHistory()
        self.history.set_system_prompt(system_prompt)
        self.max_turns_per_segment = max_turns_per_segment
        # Segments: what the provider gets is the system prompt, the summaries of earlier
        # segments and the messages of the current one (from segment_start on).
        self.segment_starts = [len(self.history.messages)]  # index of each segment's first message
        self.summaries: list[str] = []
        self.segment_figures: list[tuple[int, float]] = []  # (tokens, cost) of each closed segment
        self.tracker = SessionTracker(
            infinite_context=enable_infinite_context,
            system_prompt=system_prompt,
            on_roll=self._segment_rolled,
        )
        # Called with (segment number, summary) when the tracker starts a new segment.
        self.on_segment_rolled: list[Callable[[int, str], None]] = []
        # Called with every message as it is added: the session file appends it (crash safety).
        self.on_message: list[Callable[[Message], None]] = []

    @property
    def token_stats(self) -> TokenUsageStats:
        return self.tracker.stats

    @property
    def model_label(self) -> str:
        return self.label or f"{self.provider}/{self.model}"

    async def add_user_message(self, content: str) -> Message:
        message = self.history.add_user_message(content)
        self.tracker.user_says(content)
        return self._added(message)

    async def add_assistant_message(
        self,
        content: str | None,
        tool_calls: list[ToolCall] | None = None,
        *,
        interrupted: bool = False,
        stop_reason: str | None = None,
    ) -> Message:
        message = self.history.add_assistant_message(content, tool_calls, interrupted=interrupted, stop_reason=stop_reason)
        self.tracker.ai_responds(content or "", model=self.model, provider=self.provider)
        return self._added(message)

    async def add_tool_response(
        self,
        tool_call_id: str,
        content: str,
        name: str | None = None,
        *,
        arguments: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> Message:
        message = self.history.add_tool_response(tool_call_id, content, name)
        self.tracker.tool_used(name or "?", arguments or {}, content, error)
        return self._added(message)

    async def get_messages_for_llm(self) -> list[dict[str, Any]]:
        system = [m.to_llm() for m in self.history.messages[: self.segment_start] if m.role is MessageRole.SYSTEM]
        if self.summaries:
            earlier = "\n\n".join(f"Segment {n}: {s}" for n, s in enumerate(self.summaries, 1))
            system.append({"role": "system", "content": f"Summary of the earlier conversation:\n\n{earlier}"})
        return system + [m.to_llm() for m in self.history.messages[self.segment_start :]]

    @property
    def segment_start(self) -> int:
        return self.segment_starts[-1]

    def segment_messages(self) -> list[Message]:
        return self.history.messages[self.segment_start :]

    def segment_records(self) -> list[dict[str, Any]]:
        """Closed segments as session files and exports store them; `start` counts
        non-system messages before the next segment."""
        records = []
        for n, (summary, start) in enumerate(zip(self.summaries, self.segment_starts[1:])):
            tokens, cost = self.segment_figures[n] if n < len(self.segment_figures) else (0, 0.0)
            before = sum(m.role is not MessageRole.SYSTEM for m in self.history.messages[:start])
            records.append({"segment": n + 2, "summary": summary, "start": before, "tokens": tokens, "cost": cost})
        return records

    def segments(self) -> list[SegmentInfo]:
        """Every segment, oldest first, for the segment browser."""
        bounds = [*self.segment_starts, len(self.history.messages)]
        infos = []
        for number, (start, end) in enumerate(zip(bounds, bounds[1:]), 1):
            current = number == len(self.segment_starts)
            tokens, cost = (self.token_stats.segment_tokens, None) if current else (self.segment_figures[number - 1] if number - 1 < len(self.segment_figures) else (0, 0.0))
            infos.append(
                SegmentInfo(
                    number=number,
                    messages=self.history.messages[start:end],
                    summary=None if current else self.summaries[number - 1],
                    tokens=tokens,
                    cost=cost,
                )
            )
        return infos

    def should_roll(self) -> bool:
        """True when the current segment has reached the threshold or the turn limit."""
        if not self.enable_infinite_context:
            return False
        exchanges = sum(m.role in (MessageRole.USER, MessageRole.ASSISTANT) for m in self.segment_messages())
        return self.token_stats.segment_tokens >= self.token_threshold or exchanges >= self.max_turns_per_segment

    async def roll_segment(self, summarize: Callable[[list[dict[str, Any]]], Awaitable[str | None]] | None = None) -> str:
        """Close the current segment with a summary; only between turns, so no call is cut off."""
        if self.history.pending_tool_call_ids():
            raise RuntimeError("a tool call is still unanswered")
        messages = [m.to_llm() for m in self.segment_messages()]
        summary = (await summarize(messages) if summarize else None) or extractive_summary(messages)
        self.summaries.append(summary)
        self.segment_starts.append(len(self.history.messages))
        self.tracker.roll(summary)
        await self.tracker.flush()
        self.segment_figures.append(self.tracker.last_closed)
        return summary

    def clear(self) -> None:
        self.history.clear(keep_system_prompt=True)
        self.segment_starts = [len(self.history.messages)]
        self.summaries = []
        self.segment_figures = []

    async def get_token_stats(self) -> TokenUsageStats:
        return (await self.tracker.flush()).model_copy()

    def get_status_summary(self) -> dict[str, Any]:
        stats = self.token_stats
        return {
            "provider": self.provider,
            "model": self.model,
            "messages": len(self.history.messages),
            "token_usage": {
                "total": stats.total_tokens,
                "prompt": stats.prompt_tokens,
                "completion": stats.completion_tokens,
                "cost": stats.estimated_cost,
                "segments": stats.segments,
                "segment_tokens": stats.segment_tokens,
                "threshold": self.token_threshold,
                "approaching_limit": stats.approaching_limit(self.token_threshold),
                "exceeded_limit": stats.exceeded_limit(self.token_threshold),
            },
            "tracking_error": self.tracker.broken,
        }

    def set_model(self, provider: str, model: str, label: str | None = None) -> None:
        self.provider, self.model, self.label = provider, model, label

    async def aclose(self) -> None:
        await self.tracker.flush()
        await self.tracker.aclose()

    def _segment_rolled(self, segment: int, summary: str) -> None:
        for callback in self.on_segment_rolled:
            callback(segment, summary)

    def _added(self, message: Message) -> Message:
        for callback in self.on_message:
            callback(message)
        return message
