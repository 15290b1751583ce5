"""The transport's two streams as the SDK session sees them, so one bad message costs no more
than itself: an unreadable answer fails its own request at once (unreadable.py), and a tool
with an invalid definition is taken out of its tools/list answer (the SDK rejects the whole
list, and with it the server). Thin wrappers, not relay tasks: a relay cost a task switch
(~0.1 ms) on every message."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from mcp_types.methods import validate_server_result
from pydantic import ValidationError

from mcp_tui.servers.unreadable import error_reply

log = logging.getLogger(__name__)

DEFAULT_VERSION = "2025-11-25"  # what the SDK validates against before a version is agreed
_ENDED = (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError)


class _Wrapper:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class WriteGuard(_Wrapper):
    """Remembers which of our requests are tools/list, so only their answers are filtered."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.tool_lists: set[str] = set()

    async def send(self, item: SessionMessage) -> None:
        message = item.message
        if isinstance(message, types.JSONRPCRequest) and message.method == "tools/list":
            self.tool_lists.add(str(message.id))
        await self._inner.send(item)


class ReadGuard(_Wrapper):
    """The server's messages; `on_end` learns the moment the stream ends (the session reads it
    all the time, so a crashed server is known at once, not at the next request)."""

    def __init__(
        self,
        inner: Any,
        writes: WriteGuard,
        *,
        on_end: Callable[[], None] | None,
        on_skip: Callable[[str], None],
        version: Callable[[], str | None],
    ) -> None:
        super().__init__(inner)
        self._writes, self._on_end, self._on_skip, self._version = writes, on_end, on_skip, version

    def __aiter__(self) -> ReadGuard:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive()
        except _ENDED:
            raise StopAsyncIteration from None

    async def receive(self) -> Any:
        try:
            item = await self._inner.receive()
        except _ENDED:
            if self._on_end is not None:
                self._on_end()
            raise
        if isinstance(item, Exception):
            reply = error_reply(item)
            if reply is not None:
                log.warning("unreadable answer to request %s: %s", reply.message.id, reply.message.error.message)
                return reply
            return item
        message = item.message
        if isinstance(message, (types.JSONRPCResponse, types.JSONRPCError)) and str(message.id) in self._writes.tool_lists:
            self._writes.tool_lists.discard(str(message.id))
            if isinstance(message, types.JSONRPCResponse):
                return self._valid_tools_only(item, message)
        return item

    def _valid_tools_only(self, item: SessionMessage, message: types.JSONRPCResponse) -> SessionMessage:
        tools = message.result.get("tools")
        if not isinstance(tools, list):
            return item  # the SDK says what is wrong with the whole answer
        version = self._version() or DEFAULT_VERSION
        kept = []
        for tool in tools:
            problem = _tool_problem(tool, version)
            if problem is None:
                kept.append(tool)
            else:
                self._on_skip(problem)
        if len(kept) == len(tools):
            return item
        result = {**message.result, "tools": kept}
        return SessionMessage(types.JSONRPCResponse(jsonrpc="2.0", id=message.id, result=result), metadata=item.metadata)


def _tool_problem(tool: Any, version: str) -> str | None:
    """Why this one tool definition cannot be used ("skipped tool X: invalid inputSchema"), or None."""
    try:
        validate_server_result("tools/list", version, {"tools": [tool]})
        types.Tool.model_validate(tool, by_name=False)
        return None
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        field = next((str(p) for p in loc if isinstance(p, str) and p != "tools"), "definition")
    except (KeyError, ValueError):  # a version the tables do not know: the SDK will say so
        return None
    name = tool.get("name") if isinstance(tool, dict) else None
    return f"skipped tool {name}: invalid {field}" if isinstance(name, str) else f"skipped a tool with no valid name: invalid {field}"
