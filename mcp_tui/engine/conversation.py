"""One turn: stream → if the model asked for tools, record them, run them → stream again.

`run_turn` is an async iterator of events; the TUI worker and the headless runner both
consume it. `cancel()` stops the stream or the running tools; the partial answer is
kept (marked interrupted) and every tool call still gets its tool message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from mcp_tui.engine.approval import ApprovalPolicy
from mcp_tui.engine.context import ChatContext
from mcp_tui.engine.mcp_input import TurnInput, typed
from mcp_tui.engine.meter import completion_text, request_usage
from mcp_tui.engine.tool_budget import ToolSetWatch
from mcp_tui.engine.tool_cap import DEFAULT_MAX_TOOLS, cap_tools
from mcp_tui.engine.tool_runner import ToolRunner, split_name
from mcp_tui.engine.instructions import instructions_section
from mcp_tui.logsetup import StreamMasker, mask_json, mask_secrets
from mcp_tui.text import SafeStream, safe_text
from mcp_tui.llm.adapter import StreamEnd, StreamReasoning, StreamRefusal, StreamStopped, StreamToolCall, StreamUsage
from mcp_tui.llm.errors import ProviderError
from mcp_tui.models.events import (
    Event,
    ReasoningDelta,
    SegmentRolled,
    TextDelta,
    ToolCallRequested,
    TurnFailed,
    TurnFinished,
    UsageUpdated,
)
from mcp_tui.models.messages import ToolCall, stop_note, unique_call_id
from mcp_tui.models.usage import RequestUsage

log = logging.getLogger(__name__)

_DONE = object()


class Conversation:
    def __init__(
        self,
        context: ChatContext,
        llm: Any,
        servers: Any,
        policy: ApprovalPolicy,
        *,
        max_rounds: int = 25,
        server_wait: float = 30.0,
        summarize=None,
        max_tools: int = DEFAULT_MAX_TOOLS,
    ) -> None:
        self.summarize = summarize  # async (messages) -> summary | None, for segment rolls
        self.context = context
        self.llm = llm
        self.servers = servers
        self.policy = policy
        self.max_rounds = max_rounds
        self.server_wait = server_wait
        self.max_tools = max_tools  # tools per request; <= 0: no cap
        self.use_tools = True  # off for models that cannot call tools (the tiny local one)
        self._task: asyncio.Task | None = None
        self.tool_watch = ToolSetWatch()
        self._last_usage = None
        self.refusal: str | None = None  # what the last request's model declined with

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def cancel(self) -> bool:
        """Stop the answer or the running tools. True when there was something to stop."""
        if not self.busy:
            return False
        self._task.cancel()
        return True

    async def run_turn(self, text: str | TurnInput) -> AsyncIterator[Event]:
        if self.busy:
            raise RuntimeError("a turn is already running")
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task = asyncio.create_task(self._turn(text, queue.put_nowait), name="turn")
        try:
            while (event := await queue.get()) is not _DONE:
                yield event
        finally:
            if not self._task.done():  # the consumer went away: stop the turn with it
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _turn(self, text: str | TurnInput, emit) -> None:
        entry = text if isinstance(text, TurnInput) and text.messages else typed(getattr(text, "text", text))
        self._rounds = 0
        self._answer: list[str] = []  # text of the current round, kept if the turn stops mid-stream
        self._calls: list[ToolCall] = []
        self._inflight: tuple[int, int, int] | None = None  # (prompt estimate, sent, schema tokens) of the open request
        runner = ToolRunner(self.context, self.servers, self.policy, emit)
        # What the faces are shown is cleaned of escape sequences and secrets (also when split
        # across pieces); the history keeps the model's words as they were.
        self._shown = _Shown()
        before = self.context.tracker.totals.model_copy()
        final: Event
        try:
            await self.refresh_tools(emit)  # the schemas' tokens count in the roll decision
            # On a turn boundary, before the request would pass the threshold: no call is cut off.
            if self.context.should_roll(adding=sum(self.context.text_tokens(content) for _, content in entry.messages)):
                await self._roll(emit, "the next request would pass the token threshold")
            turn_start = len(self.context.history.messages)
            for role, content in entry.messages:  # typed text, or a prompt's messages
                if role == "assistant":
                    await self.context.add_assistant_message(content)
                else:
                    await self.context.add_user_message(content)
            if self.servers is not None and self.use_tools:
                await self.servers.wait_settled(self.server_wait)
            retried = False
            while True:
                if self._rounds >= self.max_rounds:
                    final = TurnFailed(
                        error=f"Stopped after {self.max_rounds} rounds of tool calls.",
                        kind="round_limit",
                        hint="Ask again to let the model continue, or raise --max-rounds.",
                    )
                    break
                self._rounds += 1
                tools = await self.refresh_tools(emit)
                if self._rounds > 1 and self.context.should_roll(keep_from=turn_start):  # tool results filled it
                    await self._roll(emit, "this turn's tool results filled the context", keep_from=turn_start)
                try:
                    content, stopped = await self._request(tools, emit)
                except ProviderError as exc:
                    if exc.kind != "context_length" or retried:
                        raise
                    retried = True  # the provider counts more than we did: roll and ask once more
                    if exc.window:
                        self.context.learn_window(exc.window)
                    if not self.context.should_roll(adding=self.context.token_threshold, keep_from=turn_start):
                        raise
                    await self._roll(emit, "the provider said the context was too long; asked again", keep_from=turn_start)
                    self._rounds -= 1
                    continue
                calls = self._calls
                if not calls:
                    refused = mask_secrets(safe_text(self.refusal)) if self.refusal else None
                    final = TurnFinished(content=mask_secrets(safe_text(content)), rounds=self._rounds, cut=stop_note(stopped), refusal=refused)
                    break
                self._answer = []
                await runner.run_all(calls, cut=stop_note(stopped))
        except asyncio.CancelledError:
            await self._keep_partial(runner)
            final = TurnFinished(content=mask_secrets(safe_text("".join(self._answer))), rounds=self._rounds, cancelled=True)
        except Exception as exc:  # ProviderError and anything unexpected end the turn, not the app
            await self._keep_partial(runner)
            if type(exc).__name__ != "ProviderError":
                log.exception("turn failed")
            final = TurnFailed(
                error=getattr(exc, "message", None) or str(exc) or type(exc).__name__,
                kind=getattr(exc, "kind", "internal"),
                hint=getattr(exc, "hint", "") or "The details are in the log file (mcp-tui --doctor shows where).",
            )
        self._flush_shown(emit)  # what was held back when the stream stopped
        try:
            usage = await asyncio.shield(self.usage_event())
            if usage.usage != self._last_usage:  # tools answered or a stop since the last request's figures
                emit(usage)
        except asyncio.CancelledError:
            pass  # cancelled again while finishing: the stats follow with the next turn
        if isinstance(final, TurnFinished):
            final.usage = self.context.tracker.totals.minus(before)
        emit(final)
        emit(_DONE)

    async def usage_event(self) -> UsageUpdated:
        event = UsageUpdated(usage=await self.context.get_token_stats(), threshold=self.context.token_threshold)
        self._last_usage = event.usage
        return event

    async def refresh_tools(self, emit) -> list[dict[str, Any]]:
        """The tools this request offers; their schemas' tokens are counted when the set changes."""
        offered, left_out = cap_tools(self.servers.tools() if self.servers is not None and self.use_tools else [], self.max_tools)
        tools = [t.to_openai() for t in offered]
        # Counting 2,000 tools' schemas takes ~60 ms: off the event loop, and only when the set changed.
        if self.tool_watch.changed(tools):
            if left_out:
                emit(left_out)
            warning, self.context.schema_tokens = await asyncio.to_thread(self.tool_watch.check, tools, self.context.token_threshold, self.context.model)
            if warning:
                emit(warning)
        on = self.servers is not None and self.use_tools
        self.context.set_instructions(instructions_section(self.servers.instructions()) if on else "")
        return tools

    async def _request(self, tools: list[dict[str, Any]], emit) -> tuple[str, str | None]:
        """One request: stream it, record its assistant message and usage. Returns the text
        and the provider's stop reason; the calls it asked for are in self._calls."""
        messages = await self.context.get_messages_for_llm()
        sent, schema = len(self.context.history.messages), self.context.overhead_tokens
        self._inflight = (self.context.context_fill()[0], sent, schema)
        used = self.context.history.tool_call_ids()
        self._answer, self._calls, stopped, reported = [], [], None, None
        thinking, refusal = [], []
        shown_thinking = _Shown()  # reasoning is cleaned as the answer is
        async for item in self.llm.stream(messages, tools or None):
            if isinstance(item, StreamUsage):
                reported = item
            elif isinstance(item, StreamReasoning):
                thinking.append(item.text)
                if shown := shown_thinking.feed(item.text):
                    emit(ReasoningDelta(text=shown))
            elif isinstance(item, StreamRefusal):
                refusal.append(item.text)
            elif isinstance(item, StreamEnd):
                pass
            elif isinstance(item, StreamStopped):  # the provider cut the answer
                stopped = item.finish_reason
            elif isinstance(item, StreamToolCall):
                # Renamed before anything records it, so the tool message, the events and
                # the session file all use the one id we send back.
                call = ToolCall(id=unique_call_id(item.id, used), name=item.name, arguments=item.arguments or "{}")
                if call.id != item.id:
                    log.info("tool call id %r was empty or already used; recorded as %r", item.id, call.id)
                used.add(call.id)
                self._calls.append(call)
                emit(_requested(call, self.servers))
            elif item.text:
                self._answer.append(item.text)
                if shown := self._shown.feed(item.text):
                    emit(TextDelta(text=shown))
        self._flush_shown(emit)
        if rest := shown_thinking.flush():
            emit(ReasoningDelta(text=rest))
        content, reasoning = "".join(self._answer), "".join(thinking)
        self.refusal = "".join(refusal) or None
        usage = self._usage(reported, content + reasoning + (self.refusal or ""))
        # The assistant message with its tool_calls goes in before any tool runs.
        await self.context.add_assistant_message(
            content or (None if self._calls else ""), self._calls or None, stop_reason=stopped, usage=usage, reasoning=reasoning, refusal=self.refusal
        )
        emit(await self.usage_event())
        return content, stopped

    def _usage(self, reported: StreamUsage | None, content: str) -> RequestUsage:
        """The open request's usage, recorded in the session's totals."""
        estimate, sent, schema = self._inflight or (0, len(self.context.history.messages), self.context.overhead_tokens)
        self._inflight = None
        usage = request_usage(
            reported,
            prompt_estimate=estimate,
            completion_text=completion_text(content, self._calls),
            provider=self.context.provider,
            model=self.context.model,
        )
        self.context.record_request(usage, sent=sent, schema_tokens=schema)
        return usage

    async def _roll(self, emit, reason: str, keep_from: int | None = None) -> None:
        summary = await self.context.roll_segment(self.summarize, keep_from=keep_from)
        emit(SegmentRolled(segment=self.context.tracker.totals.segments, summary=summary, reason=reason))
        emit(await self.usage_event())

    def _flush_shown(self, emit) -> None:
        if rest := self._shown.flush():
            emit(TextDelta(text=rest))

    async def _keep_partial(self, runner: ToolRunner) -> None:
        """Leave a valid history behind whatever stopped the turn; a request that had begun to
        answer is counted (estimated: the provider reports usage only at the end)."""
        usage = self._usage(None, "".join(self._answer)) if self._inflight and (self._answer or self._calls) else None
        self._inflight = None
        pending = self.context.history.pending_tool_call_ids()
        if pending:
            await runner.answer_pending(self._calls)
        elif self._answer:
            await self.context.add_assistant_message("".join(self._answer), interrupted=True, usage=usage)


class _Shown:
    """Streamed model text as the faces may show it: escape sequences and secrets removed, also
    when split across pieces (what is held back comes out with `flush`)."""

    def __init__(self) -> None:
        self._escapes, self._masker = SafeStream(), StreamMasker()

    def feed(self, text: str) -> str:
        return self._masker.feed(self._escapes.feed(text))

    def flush(self) -> str:
        return self._masker.feed(self._escapes.flush()) + self._masker.flush()


def _requested(call: ToolCall, servers: Any) -> ToolCallRequested:
    server, tool = split_name(call.name, servers)
    try:
        arguments = call.parsed_arguments()
    except ValueError:
        arguments = None
    return ToolCallRequested(
        call_id=call.id, server=server, tool=tool, qualified_name=call.name,
        arguments=mask_json(arguments), raw_arguments=mask_secrets(call.arguments),
    )
