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
from mcp_tui.engine.tool_budget import ToolSetWatch
from mcp_tui.engine.tool_runner import ToolRunner, split_name
from mcp_tui.logsetup import StreamMasker, mask_json, mask_secrets
from mcp_tui.text import SafeStream, safe_text
from mcp_tui.models.events import (
    Event,
    TextDelta,
    ToolCallRequested,
    TurnFailed,
    TurnFinished,
    UsageUpdated,
)
from mcp_tui.models.messages import ToolCall, stop_note, unique_call_id

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
    ) -> None:
        self.summarize = summarize  # async (messages) -> summary | None, for segment rolls
        self.context = context
        self.llm = llm
        self.servers = servers
        self.policy = policy
        self.max_rounds = max_rounds
        self.server_wait = server_wait
        self.use_tools = True  # off for models that cannot call tools (the tiny local one)
        self._task: asyncio.Task | None = None
        self.tool_watch = ToolSetWatch()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def cancel(self) -> bool:
        """Stop the answer or the running tools. True when there was something to stop."""
        if not self.busy:
            return False
        self._task.cancel()
        return True

    async def run_turn(self, text: str) -> AsyncIterator[Event]:
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

    async def _turn(self, text: str, emit) -> None:
        rounds = 0
        answer: list[str] = []  # text of the current round, kept if the turn stops mid-stream
        runner = ToolRunner(self.context, self.servers, self.policy, emit)
        calls: list[ToolCall] = []
        # What the faces are shown is cleaned of escape sequences and secrets (also when split
        # across pieces); the history keeps the model's words as they were.
        escapes, masker = SafeStream(), StreamMasker()
        final: Event
        try:
            if self.context.should_roll():  # on a turn boundary: no tool call is cut off
                await self.context.roll_segment(self.summarize)
            await self.context.add_user_message(text)
            if self.servers is not None and self.use_tools:
                await self.servers.wait_settled(self.server_wait)
            while True:
                if rounds >= self.max_rounds:
                    final = TurnFailed(
                        error=f"Stopped after {self.max_rounds} rounds of tool calls.",
                        kind="round_limit",
                        hint="Ask again to let the model continue, or raise --max-rounds.",
                    )
                    break
                rounds += 1
                answer, calls, stopped = [], [], None
                tools = [t.to_openai() for t in self.servers.tools()] if self.servers is not None and self.use_tools else []
                # Counting 2,000 tools' schemas takes ~60 ms: off the event loop, and only when the set changed.
                if self.tool_watch.changed(tools):
                    if warning := await asyncio.to_thread(self.tool_watch.check, tools, self.context.token_threshold):
                        emit(warning)
                messages = await self.context.get_messages_for_llm()
                used = self.context.history.tool_call_ids()
                async for item in self.llm.stream(messages, tools or None):
                    if hasattr(item, "finish_reason"):  # the provider cut the answer (StreamStopped)
                        stopped = item.finish_reason
                    elif hasattr(item, "arguments"):
                        # Renamed before anything records it, so the tool message, the events and
                        # the session file all use the one id we send back.
                        call = ToolCall(id=unique_call_id(item.id, used), name=item.name, arguments=item.arguments or "{}")
                        if call.id != item.id:
                            log.info("tool call id %r was empty or already used; recorded as %r", item.id, call.id)
                        used.add(call.id)
                        calls.append(call)
                        emit(_requested(call, self.servers))
                    elif item.text:
                        answer.append(item.text)
                        if shown := masker.feed(escapes.feed(item.text)):
                            emit(TextDelta(text=shown))
                if rest := masker.feed(escapes.flush()) + masker.flush():
                    emit(TextDelta(text=rest))
                content = "".join(answer)
                if not calls:
                    await self.context.add_assistant_message(content, stop_reason=stopped)
                    final = TurnFinished(content=mask_secrets(safe_text(content)), rounds=rounds, cut=stop_note(stopped))
                    break
                # The assistant message with its tool_calls goes in before any tool runs.
                await self.context.add_assistant_message(content or None, calls, stop_reason=stopped)
                answer = []
                await runner.run_all(calls, cut=stop_note(stopped))
        except asyncio.CancelledError:
            await self._keep_partial(answer, calls, runner)
            final = TurnFinished(content=mask_secrets(safe_text("".join(answer))), rounds=rounds, cancelled=True)
        except Exception as exc:  # ProviderError and anything unexpected end the turn, not the app
            await self._keep_partial(answer, calls, runner)
            if type(exc).__name__ != "ProviderError":
                log.exception("turn failed")
            final = TurnFailed(
                error=getattr(exc, "message", None) or str(exc) or type(exc).__name__,
                kind=getattr(exc, "kind", "internal"),
                hint=getattr(exc, "hint", "") or "The details are in the log file (mcp-tui --doctor shows where).",
            )
        if rest := masker.feed(escapes.flush()) + masker.flush():  # what was held back when the stream stopped
            emit(TextDelta(text=rest))
        try:
            usage = await asyncio.shield(self.context.get_token_stats())
            emit(UsageUpdated(usage=usage, threshold=self.context.token_threshold))
        except asyncio.CancelledError:
            pass  # cancelled again while finishing: the stats follow with the next turn
        emit(final)
        emit(_DONE)

    async def _keep_partial(self, answer: list[str], calls: list[ToolCall], runner: ToolRunner) -> None:
        """Leave a valid history behind whatever stopped the turn."""
        pending = self.context.history.pending_tool_call_ids()
        if pending:
            await runner.answer_pending(calls)
        elif answer:
            await self.context.add_assistant_message("".join(answer), interrupted=True)


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
