"""Run the tool calls of one assistant message concurrently, one tool message each.

Every call ends in exactly one tool message, whatever happens to it (done, error
result, failure, timeout, refusal, bad arguments, unknown tool, cancellation), so the
history sent next is always valid.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from mcp_tui.engine.approval import ApprovalPolicy, ApprovalRequest, Decision
from mcp_tui.engine.context import ChatContext
from mcp_tui.logsetup import mask_json, mask_secrets
from mcp_tui.models.events import (
    Event,
    FailureKind,
    ToolCallAwaitingApproval,
    ToolCallFailed,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallStarted,
)
from mcp_tui.models.messages import ToolCall

CANCELLED_TEXT = "Cancelled by the user before the tool finished."
DENIED_TEXT = "The user refused to run this tool. Do not call it again unless the user asks."


def split_name(qualified_name: str, servers: Any) -> tuple[str, str]:
    """(server, tool) for display; unknown names show as ('?', name)."""
    info = servers.resolve(qualified_name) if servers is not None else None
    return (info.server, info.name) if info else ("?", qualified_name)


class ToolRunner:
    def __init__(self, context: ChatContext, servers: Any, policy: ApprovalPolicy, emit: Callable[[Event], None]):
        self.context = context
        self.servers = servers
        self.policy = policy
        self.emit = emit
        self._approval_lock = asyncio.Lock()  # one question on screen at a time
        self._cut: str | None = None  # why the provider cut the message these calls came in

    async def run_all(self, calls: list[ToolCall], *, cut: str | None = None) -> None:
        """`cut`: the provider ended the message early, so arguments that are not JSON were
        cut off rather than malformed; the model is told so instead of a parse error."""
        self._cut = cut
        tasks = [asyncio.create_task(self._run_one(call), name=f"tool:{call.name}") for call in calls]
        try:
            await asyncio.gather(*tasks)
        finally:
            # On cancellation gather cancelled the calls; each still needs its tool message.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.answer_pending(calls)

    async def answer_pending(self, calls: list[ToolCall]) -> None:
        pending = set(self.context.history.pending_tool_call_ids())
        for call in calls:
            if call.id in pending:
                await self._fail(call, "cancelled", CANCELLED_TEXT, 0.0)

    async def _run_one(self, call: ToolCall) -> None:
        info = self.servers.resolve(call.name) if self.servers is not None else None
        if info is None:
            known = ", ".join(t.qualified_name for t in self.servers.tools()) if self.servers else ""
            await self._fail(call, "unknown_tool", f"Error: there is no tool named {call.name!r}. Available tools: {known or 'none'}.", 0.0)
            return
        try:
            arguments = call.parsed_arguments()
        except ValueError as exc:
            if self._cut:
                text = f"Error: the tool was not run: its arguments were incomplete because {self._cut}. Call it again with shorter arguments, or split the work."
            else:
                text = f"Error: the arguments are not a valid JSON object ({exc}): {call.arguments[:200]!r}. Call the tool again with a JSON object."
            await self._fail(call, "invalid_arguments", text, 0.0)
            return

        decision = self.policy.decide_now(call.name, info.read_only, info.server, info.name)
        if decision is Decision.DENY:  # the policy refused: nobody was asked, so no "the user refused"
            await self._fail(call, "refused", self.policy.refusal(), 0.0)
            return
        if decision is None:
            async with self._approval_lock:
                # a trust answer given meanwhile to a parallel call of this tool answers this one too
                decision = self.policy.decide_now(call.name, info.read_only, info.server, info.name) or await self._ask(call, info, arguments)
        if decision is Decision.DENY:
            await self._fail(call, "denied", DENIED_TEXT, 0.0)
            return

        self.emit(ToolCallStarted(**self._ids(call)))
        started = time.monotonic()

        def progress(value: float, total: float | None, message: str | None) -> None:
            self.emit(ToolCallProgress(**self._ids(call), progress=value, total=total, message=message))

        try:
            result = await self.servers.call(call.name, arguments, progress=progress)
        except asyncio.CancelledError:
            await self._fail(call, "cancelled", CANCELLED_TEXT, time.monotonic() - started)
            raise
        except Exception as exc:  # ToolCallError and anything unexpected end as a failed call
            kind: FailureKind = "timeout" if getattr(exc, "kind", "") == "timeout" else "failed"
            await self._fail(call, kind, f"Error: {getattr(exc, 'message', None) or exc}", time.monotonic() - started)
            return
        duration = time.monotonic() - started
        text = f"Tool error: {result.text}" if result.is_error else result.text
        await self.context.add_tool_response(
            call.id, text, call.name, arguments=arguments, error=result.text if result.is_error else None,
            outcome="error" if result.is_error else "done", images=result.images,
        )
        # The model gets the result as it is (in the history); what the faces show is masked.
        self.emit(ToolCallFinished(**self._ids(call), result=mask_secrets(result.full_text), is_error=result.is_error, truncated=result.truncated, duration=duration, links=result.links))

    async def _ask(self, call: ToolCall, info: Any, arguments: dict[str, Any]) -> Decision:
        annotations = {
            k: v
            for k, v in (("read_only", info.read_only), ("destructive", info.destructive), ("idempotent", info.idempotent), ("open_world", info.open_world), ("title", info.title))
            if v is not None
        }
        shown = mask_json(arguments)  # the call gets the real values; no face shows a secret
        self.emit(ToolCallAwaitingApproval(**self._ids(call), arguments=shown, annotations=annotations))
        return await self.policy.ask(
            ApprovalRequest(call_id=call.id, server=info.server, tool=info.name, qualified_name=call.name, arguments=shown, annotations=annotations)
        )

    async def _fail(self, call: ToolCall, kind: FailureKind, text: str, duration: float) -> None:
        if call.id not in self.context.history.pending_tool_call_ids():
            return  # already answered: exactly one tool message per call
        try:
            arguments = call.parsed_arguments()
        except ValueError:
            arguments = {"_raw": call.arguments}
        await self.context.add_tool_response(call.id, text, call.name, arguments=arguments, error=text, outcome=kind)
        self.emit(ToolCallFailed(**self._ids(call), kind=kind, error=mask_secrets(text), duration=duration))

    def _ids(self, call: ToolCall) -> dict[str, str]:
        server, tool = split_name(call.name, self.servers)
        return {"call_id": call.id, "server": server, "tool": tool, "qualified_name": call.name}


def short_arguments(arguments: dict[str, Any] | None, limit: int = 60) -> str:
    """One line of arguments for a timeline row or a stderr line."""
    if not arguments:
        return ""
    text = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"
