"""Sampling: a server asks the client's model for an answer (sampling/createMessage).

Offered only to servers whose config says `"sampling": true`. Each request is put to the face:
the TUI shows it for approval (the asker); headless, it is answered only under `--approve auto`.
The current model answers, with text and, when the server offers tools (sampling.tools), calls
of those tools for the server to run; the request's tokens and cost go into the session's totals
like a summary's. What cannot be answered honestly (images, audio) is refused with an error the
server can read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import mcp_types as types
from pydantic import BaseModel, Field

from mcp_tui.engine.meter import completion_text
from mcp_tui.llm.adapter import StreamRefusal, StreamStopped, StreamText, StreamToolCall, StreamUsage
from mcp_tui.llm.errors import ProviderError
from mcp_tui.models.approval import ApprovalMode
from mcp_tui.models.events import SamplingHandled, UsageUpdated
from mcp_tui.models.usage import RequestUsage

if TYPE_CHECKING:
    from mcp_tui.engine.chat_engine import ChatEngine

log = logging.getLogger(__name__)
USER_REJECTED = -1  # the code the MCP spec's sampling example gives a refusal


class SamplingRequest(BaseModel):
    """What the approval dialog shows. Every string came from the server: untrusted."""

    server: str
    messages: list[tuple[str, str]]  # (role, text)
    system_prompt: str | None = None
    max_tokens: int
    temperature: float | None = None
    tools: list[str] = Field(default_factory=list)  # the server's tools the model may call
    model_hints: list[str] = Field(default_factory=list)
    priorities: dict[str, float] = Field(default_factory=dict)  # cost, speed, intelligence: 0 to 1
    model: str  # the model that will answer: the current one


SamplingAsker = Callable[[SamplingRequest], Awaitable[bool]]


def unsupported(params: types.CreateMessageRequestParams) -> str | None:
    """Why mcp-tui cannot answer this request, or None."""
    kinds = sorted({b.type for m in params.messages for b in m.content_as_list} - {"text", "tool_use", "tool_result"})
    if kinds:
        return f"mcp-tui answers sampling requests with text only; this one holds {', '.join(kinds)} content"
    return None


def _text(blocks: list[Any]) -> str:
    return "\n".join(b.text for b in blocks if b.type == "text")


def _result_text(result: types.ToolResultContent) -> str:
    text = _text(result.content) or (json.dumps(result.structured_content) if result.structured_content is not None else "")
    return f"error: {text}" if result.is_error else text


def llm_messages(params: types.CreateMessageRequestParams) -> list[dict[str, Any]]:
    """The request in the OpenAI message format the adapter takes: tool uses become an
    assistant's tool_calls, tool results `tool` messages."""
    messages = [{"role": "system", "content": params.system_prompt}] if params.system_prompt else []
    for m in params.messages:
        blocks = m.content_as_list
        uses = [b for b in blocks if b.type == "tool_use"]
        results = [b for b in blocks if b.type == "tool_result"]
        text = _text(blocks)
        if results:
            messages += [{"role": "tool", "tool_call_id": r.tool_use_id, "content": _result_text(r)} for r in results]
            if text:
                messages.append({"role": "user", "content": text})
        elif uses:
            calls = [{"id": u.id, "type": "function", "function": {"name": u.name, "arguments": json.dumps(u.input)}} for u in uses]
            messages.append({"role": "assistant", "content": text or None, "tool_calls": calls})
        else:
            messages.append({"role": m.role, "content": text})
    return messages


def tool_specs(params: types.CreateMessageRequestParams) -> list[dict[str, Any]] | None:
    """The server's tools as OpenAI functions; none when it asked the model not to use them."""
    if not params.tools or (params.tool_choice is not None and params.tool_choice.mode == "none"):
        return None
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description or "", "parameters": t.input_schema}}
        for t in params.tools
    ]


def _shown(block: Any) -> str:
    if block.type == "tool_use":
        return f"→ calls {block.name} {json.dumps(block.input, ensure_ascii=False)}"
    if block.type == "tool_result":
        return f"← result of {block.tool_use_id}: {_result_text(block)}"
    return block.text


def describe(server: str, params: types.CreateMessageRequestParams, model: str) -> SamplingRequest:
    prefs = params.model_preferences
    priorities = {
        name: value
        for name, value in (
            ("cost", prefs.cost_priority if prefs else None),
            ("speed", prefs.speed_priority if prefs else None),
            ("intelligence", prefs.intelligence_priority if prefs else None),
        )
        if value is not None
    }
    return SamplingRequest(
        server=server,
        messages=[(m.role, "\n".join(_shown(b) for b in m.content_as_list)) for m in params.messages],
        system_prompt=params.system_prompt,
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        tools=[t.name for t in params.tools or []],
        model_hints=[h.name for h in (prefs.hints or []) if h.name] if prefs else [],
        priorities=priorities,
        model=model,
    )


class Sampler:
    def __init__(self, engine: ChatEngine) -> None:
        self.engine = engine
        self.asker: SamplingAsker | None = None  # the TUI's dialog; None: the headless policy

    async def answer(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.CreateMessageResultWithTools | types.ErrorData:
        problem = unsupported(params)
        if problem:
            return self._refused(server, types.INVALID_PARAMS, problem)
        engine = self.engine
        request = describe(server, params, engine.context.model_label)
        refusal = await self._refusal(request)
        if refusal:
            return self._refused(server, USER_REJECTED, refusal)
        messages = llm_messages(params)
        options: dict[str, Any] = {"max_tokens": params.max_tokens}
        if params.temperature is not None:
            options["temperature"] = params.temperature
        parts: list[str] = []
        calls: list[StreamToolCall] = []
        reported: StreamUsage | None = None
        cut, usage, failure = False, None, None
        try:
            async for item in engine.llm.stream(messages, tool_specs(params), **options):
                if isinstance(item, StreamUsage):
                    reported = item
                elif isinstance(item, (StreamText, StreamRefusal)):
                    parts.append(item.text)
                elif isinstance(item, StreamToolCall):
                    calls.append(item)
                elif isinstance(item, StreamStopped):
                    cut = item.finish_reason == "length"
        except ProviderError as exc:
            log.warning("sampling for %s failed: %s", server, exc)
            failure = f"the model failed: {exc}"
        finally:  # what was spent counts, also when it failed or was cancelled midway (no await here)
            if parts or calls or reported is not None:
                usage = engine.side_usage(messages, reported, completion_text("".join(parts), calls))
        if failure:
            return self._refused(server, types.INTERNAL_ERROR, failure, failed=True)
        await self._report(server, usage)
        text = types.TextContent(type="text", text="".join(parts))
        stop = "toolUse" if calls else "maxTokens" if cut else "endTurn"
        if params.tools is None:
            return types.CreateMessageResult(role="assistant", content=text, model=engine.llm.model, stop_reason=stop)
        uses = [types.ToolUseContent(id=c.id or f"call_{i}", name=c.name, input=_input(c.arguments)) for i, c in enumerate(calls)]
        return types.CreateMessageResultWithTools(
            role="assistant", content=([text] if text.text else []) + uses, model=engine.llm.model, stop_reason=stop
        )

    async def _refusal(self, request: SamplingRequest) -> str | None:
        """Why the request is not answered, or None to answer it."""
        mode = self.engine.policy.mode
        if mode is ApprovalMode.NEVER:
            return "mcp-tui runs with --approve never, which refuses every request"
        if self.asker is not None:
            return None if await self.asker(request) else "the user refused it"
        if mode is ApprovalMode.AUTO:
            return None
        return f"mcp-tui runs headless with --approve {mode.value}: no user was asked; it answers sampling requests only with --approve auto"

    def _refused(self, server: str, code: int, reason: str, *, failed: bool = False) -> types.ErrorData:
        what = "failed" if failed else "refused"
        log.info("sampling request from %s %s: %s", server, what, reason)
        self.engine.notify(SamplingHandled(server=server, answered=False, failed=failed, reason=reason))
        return types.ErrorData(code=code, message=f"Sampling request {what}: {reason}")

    async def _report(self, server: str, usage: RequestUsage | None) -> None:
        engine = self.engine
        tokens = usage.prompt_tokens + usage.completion_tokens if usage else 0
        engine.notify(SamplingHandled(
            server=server, answered=True, model=engine.context.model_label, tokens=tokens, cost=usage.cost if usage else None,
        ))
        stats = await engine.context.get_token_stats()
        if engine.recorder is not None:  # the session file keeps the totals with it
            engine.recorder.usage(stats)
        engine.notify(UsageUpdated(usage=stats, threshold=engine.context.token_threshold))


def _input(arguments: str) -> dict[str, Any]:
    """A tool call's arguments as the object ToolUseContent holds; what is not one is kept whole."""
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"arguments": value}
