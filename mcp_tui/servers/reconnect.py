"""A remote server (streamable HTTP or SSE) whose connection dropped: noticed, marked exited
with the reason, and reconnected a few times with growing pauses before it stays exited.

What the SDK says when a remote server went away or restarted under us:
- the transport ended (server gone): pending calls get MCPError -32000 "Connection closed";
- HTTP 404 for our session id: -32600 "Session terminated";
- any other HTTP error status without a JSON-RPC body (server-everything answers an unknown
  session id with 400 and a body lacking "id"): -32603 "Server returned an error response";
- a JSON-RPC error body on the HTTP error (the Python SDK's servers: 404, -32600 "Session not
  found"): that error as it is.
A tool may fail with such codes too, so those count as a drop only when a ping fails as well.

The call that met the drop is repeated once after the reconnect when the tool says it is
read-only or idempotent; otherwise it fails saying so, since it may have run already.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError

from mcp_tui.servers.models import ServerState, ToolCallError, ToolInfo, ToolResult

if TYPE_CHECKING:
    from mcp_tui.servers.connection import ServerConnection

log = logging.getLogger(__name__)

DELAYS = (0.5, 2.0, 5.0)  # pauses before each try; then the server stays exited until `r`
PING_TIMEOUT = 10.0
HTTP_ERROR = "Server returned an error response"  # the SDK's stand-in for an HTTP error status
SESSION_GONE = "Session terminated"  # the SDK's words for a 404 on a session id


async def drop_reason(exc: MCPError, session: Any) -> str | None:
    """Why the connection looks lost, or None when `exc` is an ordinary failure of the call."""
    if exc.code == types.CONNECTION_CLOSED and exc.error.message == "Connection closed":  # the SDK's own
        return "connection closed"
    if exc.code == types.INVALID_REQUEST and exc.error.message == SESSION_GONE:
        return "the server ended this session (HTTP 404)"
    if exc.code in (types.INVALID_REQUEST, types.INTERNAL_ERROR, types.CONNECTION_CLOSED) and session is not None:
        try:
            with anyio.fail_after(PING_TIMEOUT):
                await session.send_ping()
        except Exception:
            said = "" if exc.error.message == HTTP_ERROR else f": {exc.error.message}"
            return f"the server refuses this session (a call and a ping failed{said}; it may have restarted)"
    return None


class Reconnector:
    """Told of every state change (ServerManager._notify); runs one reconnect cycle at a time
    per remote server that was ready and exited."""

    def __init__(self, delays: Sequence[float] = DELAYS) -> None:
        self.delays = tuple(delays)
        self._cycles: dict[str, asyncio.Task] = {}
        self._moved: dict[str, asyncio.Event] = {}
        self._next: dict[str, str] = {}  # "reconnecting in 2 s (try 2 of 3)", added to the reason shown

    def changed(self, conn: ServerConnection) -> None:
        """Runs before the state is reported, so the reason and `reconnecting` go out with it."""
        if (moved := self._moved.pop(conn.name, None)) is not None:
            moved.set()
        if conn.state is ServerState.READY:
            conn.reconnecting = False  # back: reported as plainly ready
        if conn.state not in (ServerState.EXITED, ServerState.FAILED):
            return
        if conn.reconnecting:
            conn.reason = f"{conn.reason or 'connection lost'}; {self._next.get(conn.name, 'reconnecting')}"
            return
        running = self._cycles.get(conn.name)
        remote = conn.config.transport != "stdio"
        if remote and self.delays and conn.state is ServerState.EXITED and not conn.stopping and (running is None or running.done()):
            conn.reconnecting = True
            self._next[conn.name] = self._note(0)
            conn.reason = f"{conn.reason or 'connection lost'}; {self._next[conn.name]}"
            self._cycles[conn.name] = asyncio.get_running_loop().create_task(self._cycle(conn, conn.reason), name=f"reconnect:{conn.name}")

    def _note(self, attempt: int) -> str:
        return f"reconnecting in {self.delays[attempt]:g} s (try {attempt + 1} of {len(self.delays)})"

    async def _cycle(self, conn: ServerConnection, shown: str) -> None:
        first = shown.rsplit("; reconnecting", 1)[0]
        last = first
        try:
            for attempt, delay in enumerate(self.delays):
                self._next[conn.name] = self._note(attempt + 1) if attempt + 1 < len(self.delays) else "reconnecting"
                await asyncio.sleep(delay)
                await conn.finish_exit()
                conn.start()
                await self._wait(conn, lambda: conn.state is not ServerState.STARTING)
                if conn.state is ServerState.READY:
                    log.info("server %s reconnected (try %d)", conn.name, attempt + 1)
                    return
                last = (conn.reason or "").rsplit("; reconnecting", 1)[0] or last
            conn.reconnecting = False
            tries = "1 try" if len(self.delays) == 1 else f"{len(self.delays)} tries"
            again = "" if last == first else f" (last: {last})"
            conn.mark_exited(f"{first}; {tries} to reconnect failed{again}")
        finally:
            conn.reconnecting = False

    async def _wait(self, conn: ServerConnection, done: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait for a state change that makes `done()` true; False at the timeout."""
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    await self._moved.setdefault(conn.name, asyncio.Event()).wait()
        except TimeoutError:
            return False
        return True

    def cancel(self, name: str) -> None:
        """The user restarts or stops the server: no more tries of ours."""
        cycle = self._cycles.pop(name, None)
        if cycle is not None:
            cycle.cancel()

    def cancel_all(self) -> None:
        for name in list(self._cycles):
            self.cancel(name)

    async def after_drop(
        self,
        conn: ServerConnection,
        info: ToolInfo,
        reason: str,
        retry: Callable[[], Awaitable[ToolResult]] | None,
        wait: float,
    ) -> ToolResult:
        """The call met a dropped connection: mark it, wait for the first reconnect try (at most
        `wait` s), and repeat the call once if that is safe; else fail saying what happened."""
        conn.connection_lost(reason)
        await self._wait(conn, lambda: conn.state is not ServerState.READY, timeout=wait)
        back = await self._wait(conn, lambda: conn.state not in (ServerState.EXITED, ServerState.STARTING) or not conn.reconnecting, timeout=wait)
        tool = f"{info.server}.{info.name}"
        if not back or conn.state is not ServerState.READY:
            raise ToolCallError("unavailable", f"server {conn.name!r} lost its connection during the call: {conn.reason or reason}")
        if retry is not None and (info.read_only or info.idempotent):
            log.info("server %s reconnected; repeating %s (read-only or idempotent)", conn.name, tool)
            return await retry()
        raise ToolCallError(
            "unavailable",
            f"server {conn.name!r} lost its connection during the call ({reason}) and is reconnected now; {tool} was not "
            "repeated since it may have run already and is not marked read-only or idempotent: call it again if it is still needed",
        )
