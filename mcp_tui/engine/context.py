"""ChatContext: our OpenAI-format message list, with SessionManager tracking beside it.

The message list is the truth sent to the provider; the SessionManager only tracks the
same traffic for tokens, cost and segments (shared/reference/session-manager-integration.md).
The context figure (what the next request sends) and the segment rolls come from the
ContextMeter; the session's totals from each request's usage (SessionTracker).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from mcp_tui.engine.images import with_images
from mcp_tui.engine.meter import Anchor, ContextMeter
from mcp_tui.engine.summary import extractive_summary
from mcp_tui.models.messages import ConversationHistory, ImagePart, Message, MessageRole, ToolCall
from mcp_tui.models.usage import RequestUsage, Source, TokenUsageStats
from mcp_tui.store.model_facts import context_window, reply_room
from mcp_tui.store.tokens import count_message_tokens
from mcp_tui.store.tracker import SessionTracker
from mcp_tui.store.vision import supports_vision

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
    tokens: int  # spent by the segment's requests
    cost: float | None  # None: no known price
    open: bool = False

    @property
    def time_range(self) -> tuple[float, float] | None:
        return (self.messages[0].at, self.messages[-1].at) if self.messages else None


def needs_reasoning_back(provider: str, model: str) -> bool:
    return provider == "deepseek" or "deepseek" in (model or "").lower()


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
        self.requested_threshold = token_threshold
        self.window = context_window(provider, model)
        self.enable_infinite_context = enable_infinite_context
        self.history = ConversationHistory()
        self.history.set_system_prompt(system_prompt)
        self.max_turns_per_segment = max_turns_per_segment
        # Segments: what the provider gets is the system prompt, the summaries of earlier
        # segments and the messages of the current one (from segment_start on).
        self.segment_starts = [len(self.history.messages)]  # index of each segment's first message
        self.summaries: list[str] = []
        self.segment_figures: list[tuple[int, float | None]] = []  # (tokens, cost) of each closed segment
        self.meter = ContextMeter()
        self.schema_tokens = 0  # the tool definitions every request carries
        self.instructions = ""  # the servers' instructions, a system message after the prompt
        self._instruction_count: tuple[str, str, int] = ("", "", 0)  # (text, model, tokens)
        self.meter.vision = supports_vision(provider, model)
        self._summary_text = ("", 0)  # (text, how many summaries it joins)
        self.tracker = SessionTracker(
            infinite_context=enable_infinite_context,
            system_prompt=system_prompt,
            on_roll=self._segment_rolled,
        )
        # Called with (segment number, summary) when a new segment starts.
        self.on_segment_rolled: list[Callable[[int, str], None]] = []
        # Called with every message as it is added: the session file appends it (crash safety).
        self.on_message: list[Callable[[Message], None]] = []
        # Called with how many messages remain after a rewind (/clear, retry, edit): the
        # session file records it, so a resume does not bring the dropped ones back.
        self.on_rewind: list[Callable[[int], None]] = []

    @property
    def token_threshold(self) -> int:
        """The threshold asked for, but never more than fits the window with room for the answer."""
        if self.window:
            return max(1, min(self.requested_threshold, self.window - reply_room(self.window)))
        return self.requested_threshold

    def learn_window(self, window: int) -> None:
        """The provider named its context window (in a context-length error)."""
        self.window = window

    @property
    def token_stats(self) -> TokenUsageStats:
        tokens, source = self.context_fill()
        return self.tracker.totals.model_copy(
            update={
                "context_tokens": tokens,
                "context_source": source,
                "schema_tokens": self.schema_tokens,
                "instruction_tokens": self.instruction_tokens,
                "window": self.window,
                "messages": len(self.history.messages) - len(self._system_messages()),
            }
        )

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
        usage: RequestUsage | None = None,
        reasoning: str | None = None,
        refusal: str | None = None,
    ) -> Message:
        message = self.history.add_assistant_message(
            content, tool_calls, interrupted=interrupted, stop_reason=stop_reason, reasoning=reasoning, refusal=refusal
        )
        self.tracker.ai_responds(content or "", model=self.model, provider=self.provider, usage=usage)
        return self._added(message)

    async def add_tool_response(
        self,
        tool_call_id: str,
        content: str,
        name: str | None = None,
        *,
        arguments: dict[str, Any] | None = None,
        error: str | None = None,
        outcome: str | None = None,
        images: list[ImagePart] | None = None,
    ) -> Message:
        message = self.history.add_tool_response(tool_call_id, content, name, outcome, images)
        self.tracker.tool_used(name or "?", arguments or {}, content, error)
        return self._added(message)

    # -- what is sent, and what it costs -------------------------------------------------
    def _system_messages(self) -> list[Message]:
        system = []
        for m in self.history.messages:  # the system prompt leads the history
            if m.role is not MessageRole.SYSTEM:
                break
            system.append(m)
        return system

    def summary_text(self) -> str:
        """The system message carrying earlier segments' summaries ("" when there are none)."""
        if self._summary_text[1] != len(self.summaries):
            earlier = "\n\n".join(f"Segment {n}: {s}" for n, s in enumerate(self.summaries, 1))
            self._summary_text = (f"Summary of the earlier conversation:\n\n{earlier}" if self.summaries else "", len(self.summaries))
        return self._summary_text[0]

    def set_instructions(self, section: str) -> None:
        """The servers' instructions (servers_messages.instructions_section), sent from the next request."""
        self.instructions = section

    @property
    def instruction_tokens(self) -> int:
        if not self.instructions:
            return 0
        text, model, tokens = self._instruction_count
        if (text, model) != (self.instructions, self.model):
            tokens = count_message_tokens({"role": "system", "content": self.instructions}, self.model)
            self._instruction_count = (self.instructions, self.model, tokens)
        return tokens

    @property
    def overhead_tokens(self) -> int:
        """What every request carries besides the messages: tool schemas and server instructions."""
        return self.schema_tokens + self.instruction_tokens

    async def get_messages_for_llm(self) -> list[dict[str, Any]]:
        system = [m.to_llm() for m in self._system_messages()]
        if self.instructions:
            system.append({"role": "system", "content": self.instructions})
        if summary := self.summary_text():
            system.append({"role": "system", "content": summary})
        messages = self.history.messages[self.segment_start :]
        segment = [self._wire(m) for m in messages]
        return system + (with_images(messages, segment) if self.meter.vision else segment)

    def _wire(self, message: Message) -> dict[str, Any]:
        wire = message.to_llm()
        # DeepSeek's thinking models refuse a history whose tool-calling turns lost their
        # reasoning_content; other providers may refuse the unknown field, so only there.
        if message.reasoning and message.tool_calls and needs_reasoning_back(self.provider, self.model):
            wire["reasoning_content"] = message.reasoning
        return wire

    def context_fill(self) -> tuple[int, Source]:
        """Tokens the next request sends (messages, summaries, tool schemas) and their source."""
        return self.meter.fill(self.history.messages, self.segment_start, self._system_messages(), self.summary_text(), self.overhead_tokens, self.model)

    def text_tokens(self, text: str) -> int:
        """A user message of this text, as it would be counted once added."""
        return self.meter.message_tokens(Message(role=MessageRole.USER, content=text), self.model)

    def record_request(self, usage: RequestUsage, *, sent: int, schema_tokens: int) -> None:
        """A request that held history.messages[:sent] and `schema_tokens` of tools is done."""
        self.tracker.record(usage)
        if usage.reported:
            self.meter.anchor = Anchor(usage.prompt_tokens, sent, self.segment_start, schema_tokens, self.model)

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
        current = self.tracker.segment_totals()
        infos = []
        for number, (start, end) in enumerate(zip(bounds, bounds[1:]), 1):
            is_open = number == len(self.segment_starts)
            if is_open:
                tokens, cost = current.total_tokens, current.cost
            else:
                tokens, cost = self.segment_figures[number - 1] if number - 1 < len(self.segment_figures) else (0, 0.0)
            infos.append(
                SegmentInfo(
                    number=number,
                    messages=self.history.messages[start:end],
                    summary=None if is_open else self.summaries[number - 1],
                    tokens=tokens,
                    cost=cost,
                    open=is_open,
                )
            )
        return infos

    # -- segments ------------------------------------------------------------------------
    def should_roll(self, adding: int = 0, keep_from: int | None = None) -> bool:
        """True when the next request (holding `adding` more tokens) would reach the threshold,
        or the segment the turn limit, and there is something before `keep_from` to fold."""
        if not self.enable_infinite_context:
            return False
        end = len(self.history.messages) if keep_from is None else keep_from
        if end <= self.segment_start:
            return False  # nothing before what must be kept
        tokens, _ = self.context_fill()
        if tokens + adding >= self.token_threshold:
            return True
        exchanges = sum(m.role in (MessageRole.USER, MessageRole.ASSISTANT) for m in self.segment_messages())
        return exchanges >= self.max_turns_per_segment

    async def roll_segment(
        self,
        summarize: Callable[[list[dict[str, Any]]], Awaitable[str | None]] | None = None,
        *,
        keep_from: int | None = None,
    ) -> str:
        """Close the current segment with a summary of its messages before `keep_from` (default:
        all of them, only between turns, so no call is cut off). Messages from `keep_from` on (the
        current turn, each tool call with its result) begin the new segment."""
        end = len(self.history.messages) if keep_from is None else keep_from
        if keep_from is None and self.history.pending_tool_call_ids():
            raise RuntimeError("a tool call is still unanswered")
        messages = [m.to_llm() for m in self.history.messages[self.segment_start : end]]
        summary = (await summarize(messages) if summarize else None) or extractive_summary(messages)
        self.summaries.append(summary)
        self.segment_starts.append(end)
        self.tracker.roll(summary)
        self.segment_figures.append(self.tracker.last_closed)
        return summary

    def clear(self) -> None:
        self.rewind(0)

    def load(self, messages: list[Message]) -> None:
        """The conversation becomes `messages` (/load), each saved as if just added."""
        self.rewind(0)
        for message in messages:
            if message.role is not MessageRole.SYSTEM:
                self.history.messages.append(message)
                self._added(message)

    def rewind(self, keep: int) -> None:
        """Keep the first `keep` messages after the system prompt and drop the rest (retry,
        edit and resend, /clear). Segments that began after the cut go with their summaries."""
        if not 0 <= keep <= len(self.history.messages) - len(self._system_messages()):
            raise ValueError(f"cannot keep {keep} messages")
        cut = len(self._system_messages()) + keep
        del self.history.messages[cut:]
        while len(self.segment_starts) > 1 and self.segment_starts[-1] > cut:
            self.segment_starts.pop()
            self.summaries.pop()
            if len(self.segment_figures) > len(self.summaries):
                self.segment_figures.pop()
            self.tracker.totals.segments = len(self.segment_starts)  # the next roll is numbered after these
        if self.meter.anchor is not None and self.meter.anchor.sent > cut:
            self.meter.anchor = None  # it counted messages that are gone
        if keep == 0:
            self.tracker.reset()
        for callback in self.on_rewind:
            callback(keep)

    async def get_token_stats(self) -> TokenUsageStats:
        await self.tracker.flush()
        return self.token_stats

    def get_status_summary(self) -> dict[str, Any]:
        stats = self.token_stats
        return {
            "provider": self.provider,
            "model": self.model,
            "messages": len(self.history.messages),
            "token_usage": {
                **stats.summary(),
                "threshold": self.token_threshold,
                "approaching_limit": stats.approaching_limit(self.token_threshold),
                "exceeded_limit": stats.exceeded_limit(self.token_threshold),
            },
            "tracking_error": self.tracker.broken,
        }

    def set_model(self, provider: str, model: str, label: str | None = None) -> None:
        self.provider, self.model, self.label = provider, model, label
        self.window = context_window(provider, model)
        self.meter.vision = supports_vision(provider, model)

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
