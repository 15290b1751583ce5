"""ServerManager: starts every configured MCP server in the background, lists their tools
under unique names, and runs tool calls with timeouts, progress and cancellation."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import errors, reconnect, unreadable, url_required
from mcp_tui.servers.catalog import Catalog, CatalogError, PromptInfo, ResourceInfo, TemplateInfo
from mcp_tui.servers.client_host import ClientHost
from mcp_tui.servers.connection import ServerConnection
from mcp_tui.servers.models import ServerState, ServerStatus, ToolCallError, ToolInfo, ToolResult
from mcp_tui.servers.naming import NameRegistry
from mcp_tui.servers.results import convert
from mcp_tui.servers.server_messages import ServerMessages

log = logging.getLogger(__name__)

Progress = Callable[[float, float | None, str | None], Awaitable[None] | None]


class ServerManager:
    def __init__(
        self,
        configs: list[ServerConfig],
        *,
        call_timeout: float = 120.0,
        startup_timeout: float = 30.0,
        log_dir: Path | None = None,
        on_status: Callable[[ServerStatus], None] | None = None,
        max_result_chars: int = 100_000,
        host: ClientHost | None = None,
        reconnect_delays: tuple[float, ...] = reconnect.DELAYS,
    ) -> None:
        if log_dir is None:
            from mcp_tui.paths import log_dir as default_log_dir

            log_dir = default_log_dir()
        self.call_timeout = call_timeout
        self._host = host or ClientHost()  # asked to open the URLs of a -32042 answer
        self.max_result_chars = max_result_chars
        self.on_status = on_status
        self._registry = NameRegistry()
        self._reconnect = reconnect.Reconnector(reconnect_delays)
        # how long a call that met a drop waits for the first try to reconnect
        self._reconnect_wait = (reconnect_delays[0] if reconnect_delays else 0.0) + startup_timeout + 10.0
        self.tools_off: set[str] = set()  # servers whose tools the user switched off for this session
        self._changed = asyncio.Event()
        self.resource_listeners: list[Callable[[str, str], None]] = []  # (server, uri) of a subscribed resource that changed
        spawn_lock = asyncio.Lock()
        self._conns: dict[str, ServerConnection] = {}
        for config in configs:
            if config.name in self._conns:
                log.warning("duplicate server name %r: the later entry is ignored", config.name)
                continue
            self._conns[config.name] = ServerConnection(
                config, log_dir=log_dir, startup_timeout=startup_timeout, registry=self._registry,
                spawn_lock=spawn_lock, on_change=self._notify, host=host,
            )
            self._conns[config.name].catalog.on_updated = self._resource_updated

    # -- status --------------------------------------------------------------

    def _notify(self, conn: ServerConnection) -> None:
        self._reconnect.changed(conn)
        self._changed.set()
        self._changed = asyncio.Event()
        if self.on_status is not None:
            try:
                self.on_status(conn.status())
            except Exception:
                log.exception("on_status callback failed")

    def statuses(self) -> list[ServerStatus]:
        return [c.status() for c in self._conns.values()]

    def tools(self) -> list[ToolInfo]:
        """What the model is offered: the tools of ready servers not switched off."""
        return [t for n, c in self._conns.items() if c.state is ServerState.READY and n not in self.tools_off for t in c.tools]

    def server_tools(self, name: str) -> list[ToolInfo]:
        conn = self._conns.get(name)
        return list(conn.tools) if conn is not None and conn.state is ServerState.READY else []

    def set_tools_on(self, name: str, on: bool) -> None:
        """Offer a server's tools to the model, or not, from the next request on."""
        conn = self._conns.get(name)
        if conn is None:
            raise KeyError(name)
        (self.tools_off.discard if on else self.tools_off.add)(name)
        self._notify(conn)

    def instructions(self) -> list[tuple[str, str]]:
        """(server, instructions) of the servers whose tools the model is offered."""
        return [
            (n, c.messages.instructions)
            for n, c in self._conns.items()
            if c.state is ServerState.READY and n not in self.tools_off and c.messages.instructions
        ]

    def messages(self, name: str | None = None) -> list[ServerMessages]:
        """Every server's log messages, instructions and hidden tools (or the named one's)."""
        return [c.messages for n, c in self._conns.items() if name is None or n == name]

    def stderr_tail(self, name: str, count: int = 40) -> list[str]:
        conn = self._conns.get(name)
        return conn.stderr_tail(count) if conn is not None else []

    async def set_log_level(self, name: str, level: str) -> None:
        conn = self._conns.get(name)
        if conn is None:
            raise KeyError(name)
        await conn.set_log_level(level)

    def resolve(self, qualified_name: str) -> ToolInfo | None:
        """The tool behind a qualified name; also for a server that is down, so a call
        can say 'unavailable' rather than 'unknown tool'."""
        pair = self._registry.lookup(qualified_name)
        conn = self._conns.get(pair[0]) if pair else None
        if conn is None:
            return None
        return next((t for t in conn.tools if t.name == pair[1]), None)

    # -- prompts and resources (servers/catalog.py) ------------------------------

    def _ready(self) -> list[ServerConnection]:
        return [c for c in self._conns.values() if c.state is ServerState.READY]

    def prompts(self) -> list[PromptInfo]:
        return [p for c in self._ready() for p in c.catalog.prompts]

    def resources(self) -> list[ResourceInfo]:
        return [r for c in self._ready() for r in c.catalog.resources]

    def templates(self) -> list[TemplateInfo]:
        return [t for c in self._ready() for t in c.catalog.templates]

    def _catalog(self, server: str) -> tuple[Catalog, Any]:
        conn = self._conns.get(server)
        if conn is None:
            raise CatalogError(f"there is no server named {server!r}")
        if conn.state is not ServerState.READY or conn.session is None:
            raise CatalogError(f"server {server!r} is {conn.state.value}" + (f": {conn.reason}" if conn.reason else ""))
        return conn.catalog, conn.session

    async def get_prompt(self, server: str, name: str, arguments: dict[str, str]) -> types.GetPromptResult:
        catalog, session = self._catalog(server)
        return await catalog.get_prompt(session, name, arguments, self.call_timeout)

    async def read_resource(self, server: str, uri: str) -> types.ReadResourceResult:
        catalog, session = self._catalog(server)
        return await catalog.read(session, uri, self.call_timeout)

    async def complete(self, server: str, ref: Any, argument: str, value: str, context: dict[str, str] | None = None) -> list[str]:
        catalog, session = self._catalog(server)
        return await catalog.complete(session, ref, argument, value, context, self.call_timeout)

    async def subscribe(self, server: str, uri: str) -> bool:
        catalog, session = self._catalog(server)
        return await catalog.subscribe(session, uri, self.call_timeout)

    def _resource_updated(self, server: str, uri: str) -> None:
        for listener in list(self.resource_listeners):
            try:
                listener(server, uri)
            except Exception:
                log.exception("resource listener failed")

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Start every server concurrently in the background; returns at once."""
        for conn in self._conns.values():
            if conn.state not in (ServerState.STARTING, ServerState.READY):
                conn.start()

    async def wait_settled(self, timeout: float | None = None) -> None:
        """Wait until no server is starting, or `timeout` seconds."""

        async def settled() -> None:
            while any(c.state is ServerState.STARTING for c in self._conns.values()):
                await self._changed.wait()

        try:
            await asyncio.wait_for(settled(), timeout)
        except asyncio.TimeoutError:
            pass

    async def restart(self, name: str) -> None:
        conn = self._conns.get(name)
        if conn is None:
            raise ValueError(f"no server named {name!r}")
        self._reconnect.cancel(name)
        await conn.stop()
        conn.start()

    async def roots_changed(self) -> list[str]:
        """Tell every ready server offered roots that they changed; the names of those told."""
        told = await asyncio.gather(*(c.roots_changed() for c in self._conns.values()))
        return [name for name, yes in zip(self._conns, told) if yes]

    async def aclose(self, grace: float | None = None) -> None:
        """Stop every server (asked in reverse order, waited for together); `grace`: how
        long each may take to exit by itself before it is terminated (quitting: short)."""
        self._reconnect.cancel_all()
        conns = list(reversed(self._conns.values()))
        stops = (c.stop() if grace is None else c.stop(grace) for c in conns)
        await asyncio.gather(*stops, return_exceptions=True)

    def kill_all(self) -> None:
        """SIGKILL every server's process group at once, from any thread: the last resort
        of a shutdown that missed its deadline, so no server outlives the app."""
        for conn in list(self._conns.values()):
            conn.kill()

    # -- calls ---------------------------------------------------------------

    async def call(
        self,
        qualified_name: str,
        arguments: dict,
        *,
        progress: Progress | None = None,
        timeout: float | None = None,
        retry_after_drop: bool = True,
    ) -> ToolResult:
        info = self.resolve(qualified_name)
        if info is None:
            raise ToolCallError("unknown_tool", f"there is no tool named {qualified_name!r}")
        conn = self._conns[info.server]
        session = conn.session
        if conn.state is not ServerState.READY or session is None:
            why = f": {conn.reason}" if conn.reason else ""
            raise ToolCallError("unavailable", f"server {info.server!r} is {conn.state.value}{why}")
        args = _json_safe(arguments)
        limit = timeout if timeout is not None else self.call_timeout
        try:
            # Our timeout, not the SDK's: it is held while the server waits on the user (a form).
            # Cancelling the call on timeout makes the SDK tell the server (notifications/cancelled).
            async with conn.user_wait.timeout(limit):
                result = await session.call_tool(
                    info.name, args, progress_callback=_progress_adapter(progress) if progress else None,
                )
        except TimeoutError:
            raise ToolCallError("timeout", f"{qualified_name} did not answer within {limit:g}s") from None
        except MCPError as exc:
            if (refused := conn.auth_problem()) is not None:  # OAuth: a login needed again, a scope never granted
                raise ToolCallError("unavailable", f"{info.server}: {refused}") from None
            if exc.code == types.REQUEST_TIMEOUT:
                raise ToolCallError("timeout", f"{qualified_name} did not answer within {limit:g}s") from None
            if conn.config.transport != "stdio" and (reason := await reconnect.drop_reason(exc, session)):
                return await self._after_drop(conn, info, reason, qualified_name, arguments, progress, timeout, retry_after_drop)
            if exc.code == types.CONNECTION_CLOSED:
                raise await self._lost(conn) from None
            if retry_after_drop and (asked := url_required.elicitations(exc)):  # -32042: a browser step first, then once more
                if (refused := await url_required.ask_first(self._host, info.server, conn.user_wait, asked)) is not None:
                    raise ToolCallError("protocol", refused) from None
                return await self.call(qualified_name, arguments, progress=progress, timeout=timeout, retry_after_drop=False)
            if unreadable.is_unreadable(exc.error):  # our own reply for an answer that could not be parsed
                raise ToolCallError("protocol", f"{info.server}: {exc.error.message}") from None
            raise ToolCallError("protocol", f"{info.server} answered with error {exc.code}: {exc.error.message}") from None
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            if conn.config.transport != "stdio":
                return await self._after_drop(conn, info, "connection closed", qualified_name, arguments, progress, timeout, retry_after_drop)
            raise await self._lost(conn) from None
        except ValidationError as exc:  # a result that is not a CallToolResult
            raise ToolCallError("protocol", f"{info.server}: {unreadable.summary(exc)}") from None
        except Exception as exc:  # a malformed result, an input-required result ...
            raise ToolCallError("protocol", f"{info.server}: {errors.describe(exc)}") from None
        if not isinstance(result, types.CallToolResult):
            raise ToolCallError("protocol", f"{info.server} sent an unexpected kind of result")
        return convert(result, self.max_result_chars)

    async def _after_drop(
        self, conn: ServerConnection, info: ToolInfo, reason: str, name: str, arguments: dict,
        progress: Progress | None, timeout: float | None, may_retry: bool,
    ) -> ToolResult:
        """A remote server's connection dropped during a call: reconnect.py decides what follows."""
        if conn.stopping:
            raise ToolCallError("cancelled", f"server {conn.name!r} was stopped during the call")

        def again() -> Awaitable[ToolResult]:
            return self.call(name, arguments, progress=progress, timeout=timeout, retry_after_drop=False)

        return await self._reconnect.after_drop(conn, info, reason, again if may_retry else None, self._reconnect_wait)

    async def _lost(self, conn: ServerConnection) -> ToolCallError:
        if conn.stopping:
            return ToolCallError("cancelled", f"server {conn.name!r} was stopped during the call")
        conn.connection_lost()
        await conn.wait_not_ready(1.0)  # let the owner task find the exit reason
        why = conn.reason if conn.state is not ServerState.READY and conn.reason else "connection closed"
        return ToolCallError("unavailable", f"server {conn.name!r}: {why}")


def _json_safe(arguments: Any) -> dict[str, Any]:
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise ToolCallError("protocol", "tool arguments must be a JSON object")
    return json.loads(json.dumps(arguments, default=str))


def _progress_adapter(progress: Progress):
    async def forward(value: float, total: float | None, message: str | None) -> None:
        try:
            outcome = progress(value, total, message)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            log.exception("progress callback failed")

    return forward
