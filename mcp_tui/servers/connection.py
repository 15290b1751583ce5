"""One MCP server: an owner task that enters and exits its transport and session.

anyio cancel scopes must be exited by the task that entered them, so everything about
the connection's lifetime happens in `_run`; other tasks only use `session` for calls.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.client.session import ClientSession

from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import errors, oauth, processes, roots, sse_fallback
from mcp_tui.servers.catalog import Catalog
from mcp_tui.servers.client_host import ClientHost, session_callbacks
from mcp_tui.servers.models import ServerState, ServerStatus, ToolInfo
from mcp_tui.servers.naming import NameRegistry
from mcp_tui.servers.server_log import ServerLog
from mcp_tui.servers.server_messages import DEFAULT_LOG_LEVEL, ServerMessages, needs_tasks, set_level
from mcp_tui.servers.user_wait import UserWait
from mcp_tui.servers.wire import ReadGuard, WriteGuard

log = logging.getLogger(__name__)

MAX_LOG_BYTES = 2_000_000  # a server's log moves to NAME.log.1 when it passes this, also while it runs
STOP_GRACE = 8.0  # the SDK's own shutdown: 2 s after stdin closes, 2 s after SIGTERM, then SIGKILL


def log_path(log_dir: Path, name: str) -> Path:
    return log_dir / "servers" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name) or '_'}.log"


class ServerConnection:
    def __init__(
        self,
        config: ServerConfig,
        *,
        log_dir: Path,
        startup_timeout: float,
        registry: NameRegistry,
        spawn_lock: asyncio.Lock,
        on_change: Callable[[ServerConnection], None],
        host: ClientHost | None = None,
    ) -> None:
        self.config = config
        self._host = host or ClientHost()
        self.user_wait = UserWait()  # holds this server's call timeouts while it waits on the user
        self.name = config.name
        self.log_file = log_path(log_dir, config.name)
        self._log = ServerLog(self.log_file)
        self.startup_timeout = startup_timeout
        self._registry = registry
        self._spawn_lock = spawn_lock  # one spawn at a time, so the new child pid is ours
        self._on_change = on_change
        self.state = ServerState.STOPPED
        self.reason: str | None = "not started"
        self.since = time.time()
        self.tools: list[ToolInfo] = []  # kept after an exit so calls can say "unavailable"
        self.session: ClientSession | None = None
        self.stopping = False
        self._task: asyncio.Task | None = None
        self._scope: anyio.CancelScope | None = None
        self._wake: anyio.Event | None = None
        self._lost = False
        self._lost_reason: str | None = None  # what the call that noticed the drop saw
        self.reconnecting = False  # set by the Reconnector while it tries to bring a remote server back
        self._tools_stale = False
        self._pid: int | None = None
        self._skipped: list[str] = []  # notes on tools left out of the last listing
        self.catalog = Catalog(config.name)  # prompts, resources, templates (servers/catalog.py)
        self._auth: oauth.ServerAuth | None = None
        self.messages = ServerMessages(config.name, config.log_level or DEFAULT_LOG_LEVEL)
        if config.disabled:
            self.state, self.reason = ServerState.DISABLED, None
        elif config.config_error:
            self.state, self.reason = ServerState.FAILED, config.config_error

    # -- state ---------------------------------------------------------------

    def status(self) -> ServerStatus:
        tool_count = len(self.tools) if self.state is ServerState.READY else 0
        return ServerStatus(
            name=self.name, state=self.state, reason=self.reason, tool_count=tool_count,
            transport=self.config.transport, since=self.since, reconnecting=self.reconnecting,
        )

    def _set(self, state: ServerState, reason: str | None = None) -> None:
        self.state, self.reason, self.since = state, reason, time.time()
        log.info("server %s: %s%s", self.name, state.value, f" ({reason})" if reason else "")
        self._on_change(self)

    def mark_exited(self, reason: str) -> None:
        self._set(ServerState.EXITED, reason)

    def connection_lost(self, reason: str | None = None) -> None:
        """Called when the transport ends or a call saw the connection drop (reconnect.py)."""
        if self.state is ServerState.READY and not self.stopping:
            self._lost, self._lost_reason = True, reason
            if self._wake is not None:
                self._wake.set()

    async def roots_changed(self) -> bool:
        """Tell the server its roots changed, if it is ready and was offered roots."""
        if self.state is not ServerState.READY or self.session is None or not self._host.offers_roots(self.config):
            return False
        try:
            await roots.tell_changed(self.session)
        except Exception as exc:  # it went away meanwhile: it asks again when it restarts
            log.warning("server %s: telling it the roots changed failed: %s", self.name, errors.describe(exc))
            return False
        return True
    def auth_problem(self) -> str | None:
        """Why OAuth refused the last request (a login needed again, a scope never granted), if it did."""
        found = oauth.describe_failure(self._auth)
        return found[1] if found else None

    async def wait_not_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.state is ServerState.READY and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        if self.config.disabled:
            self._set(ServerState.DISABLED)
            return
        if self.config.config_error:
            self._set(ServerState.FAILED, self.config.config_error)
            return
        self.stopping = False
        self._set(ServerState.STARTING)
        self._task = asyncio.create_task(self._run(), name=f"mcp-server:{self.name}")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop the server: its stdin is closed and it may exit by itself for `grace`
        seconds; a short grace (quitting) then sends its process group SIGTERM, and SIGKILL
        after as long again, rather than wait for the SDK's own 2 s + 2 s."""
        task = self._task
        if task is None:
            return
        self.stopping = True
        if not task.done():
            if self._scope is not None:
                self._scope.cancel()  # the owner unwinds its transport itself
            else:
                task.cancel()  # not running yet: nothing entered
            await asyncio.wait([task], timeout=grace)  # never raises the task's exception
            if not task.done() and grace < STOP_GRACE and self._pid:
                for signum in (signal.SIGTERM, signal.SIGKILL):  # the spec's order, each briefly
                    processes.signal_group(self._pid, signum)
                    await asyncio.wait([task], timeout=grace)
                    if task.done():
                        break
            if not task.done():
                log.warning("server %s did not stop in %ss; cancelling its task", self.name, STOP_GRACE)
                task.cancel()
                await asyncio.wait([task], timeout=2.0)
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: the owner already reported it
        self._task = None
        processes.kill_group(self._pid)
        self._pid = None
        self._close_log()
        if self.state in (ServerState.STARTING, ServerState.READY):
            self._set(ServerState.STOPPED)

    async def finish_exit(self, timeout: float = STOP_GRACE) -> None:
        """Before starting again: let the owner task of a connection that ended finish
        unwinding (its transport's goodbye), then clean up as stop() does."""
        if self._task is not None:
            await asyncio.wait([self._task], timeout=timeout)
        await self.stop()

    def kill(self) -> None:
        processes.kill_group(self._pid)

    async def _run(self) -> None:
        self._lost = self._tools_stale = False
        self._lost_reason = None
        self._wake = anyio.Event()
        self._open_log()
        try:
            with anyio.CancelScope() as scope:
                self._scope = scope
                try:
                    await self._serve()
                except BaseException as exc:
                    if not sse_fallback.switched(exc):
                        raise
                    await self._serve()  # the same URL, over SSE
        except BaseException as exc:
            if self.stopping:
                pass  # stop() reports STOPPED
            elif all(isinstance(e, asyncio.CancelledError) for e in errors.leaves(exc)):
                raise  # cancelled from outside (the loop shutting down)
            elif self.state in (ServerState.EXITED, ServerState.FAILED, ServerState.NEEDS_LOGIN):  # already reported
                log.debug("server %s: %s", self.name, errors.describe(exc))
            else:
                await self._report_failure(exc)
        finally:
            self._scope = None
            self.session = None
            processes.kill_group(self._pid)  # grandchildren the server left behind
            self._pid = None
            try:
                await self._log.drain()  # its last words, written while it stopped
            finally:
                self._close_log()

    async def _serve(self) -> None:
        async with AsyncExitStack() as stack:
            read, write = await self._open_transport(stack)
            tg = await stack.enter_async_context(anyio.create_task_group())
            write = WriteGuard(write)
            on_end = self.connection_lost  # also SSE: its event stream ends when the server goes away
            # `session` is bound below, before any answer to tools/list can ask for its version
            read = ReadGuard(read, write, on_end=on_end, on_skip=self._skip, version=lambda: session.protocol_version)
            session = await stack.enter_async_context(
                ClientSession(
                    read, write, message_handler=self._on_message, logging_callback=self._on_log,
                    **session_callbacks(self.config, self._host, self.user_wait),
                )
            )
            try:
                with anyio.fail_after(self.startup_timeout) as deadline:
                    if self._auth is not None:
                        self._auth.deadline = deadline  # paused while the user logs in
                    self.messages.connected(await session.initialize())
                    await self._ask_log_level(session)
                    tools = await self._list_tools(session)
            except Exception as exc:
                if (sse := await sse_fallback.check(self.config, exc)) is not None:
                    self.config = sse
                    raise sse_fallback.SwitchToSSE() from exc
                # Report now: unwinding may wait seconds for a server that ignores stdin EOF.
                await self._report_failure(exc)
                raise
            await self.catalog.load(session, self.startup_timeout)  # never fails the connection
            self.tools, self.session = tools, session
            self._set(ServerState.READY, self._skip_note())
            await self._watch(session)
            self.session = None
            await self._log.drain()
            self._set(ServerState.EXITED, self._exit_reason(started=True))
            tg.cancel_scope.cancel()

    async def _watch(self, session: ClientSession) -> None:
        """Wait until the connection is lost; refresh tools when the server says they changed."""
        while True:
            assert self._wake is not None
            await self._wake.wait()
            self._wake = anyio.Event()
            if self._lost:
                return
            if self._tools_stale:
                self._tools_stale = False
                try:
                    with anyio.fail_after(self.startup_timeout):
                        self.tools = await self._list_tools(session)
                    self.reason = self._skip_note()
                    self._on_change(self)
                except Exception as exc:
                    log.warning("server %s: refreshing tools failed: %s", self.name, errors.describe(exc))
            if self.catalog.stale and await self.catalog.refresh(session, self.startup_timeout):
                self._on_change(self)

    # -- transport -----------------------------------------------------------

    async def _open_transport(self, stack: AsyncExitStack) -> Any:
        cfg = self.config
        if cfg.transport == "stdio":
            from mcp.client.stdio import StdioServerParameters, stdio_client

            if not cfg.command:
                raise ValueError("no command configured")
            # "replace": with the SDK's default "strict", one invalid UTF-8 byte from the server
            # ends the whole connection (its reader dies) and the call waits for its timeout.
            params = StdioServerParameters(
                command=cfg.command, args=cfg.args, env=cfg.env or None, cwd=cfg.cwd, encoding_error_handler="replace"
            )
            async with self._spawn_lock:
                before = processes.child_pids()
                errlog = await self._log.stderr_pipe()
                try:
                    streams = await stack.enter_async_context(stdio_client(params, errlog=errlog))
                finally:  # also when stopped mid-spawn: its group must still be killed
                    self._log.spawned()
                    new = processes.child_pids() - before
                    self._pid = new.pop() if len(new) == 1 else None
            return streams
        if not cfg.url:
            raise ValueError("no url configured")
        self._auth = oauth.server_auth(cfg, self._host.logins)
        auth = self._auth.auth if self._auth is not None else None
        if cfg.transport == "sse":
            from mcp.client.sse import sse_client

            return await stack.enter_async_context(sse_client(cfg.url, headers=cfg.headers or None, auth=auth))
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        client = await stack.enter_async_context(
            httpx2.AsyncClient(headers=cfg.headers or None, timeout=httpx2.Timeout(30.0, read=300.0), auth=auth)
        )
        return await stack.enter_async_context(streamable_http_client(cfg.url, http_client=client))

    async def _list_tools(self, session: ClientSession) -> list[ToolInfo]:
        self._skipped = []
        caps = session.server_capabilities
        if caps is not None and caps.tools is None:  # prompts or resources only: tools/list is "Method not found"
            return []
        found: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(100):  # a server paging forever must not hang us
            params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
            page = await session.list_tools(params=params)
            found.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        self.messages.hidden_tools = [t.name for t in found if needs_tasks(t)]
        return [self._info(t) for t in found if not needs_tasks(t)]

    def _info(self, tool: types.Tool) -> ToolInfo:
        ann = tool.annotations
        return ToolInfo(
            server=self.name,
            name=tool.name,
            qualified_name=self._registry.name_for(self.name, tool.name),
            title=tool.title or (ann.title if ann else None),
            description=tool.description or "",
            input_schema=dict(tool.input_schema or {}),
            read_only=ann.read_only_hint if ann else None,
            destructive=ann.destructive_hint if ann else None,
            idempotent=ann.idempotent_hint if ann else None,
            open_world=ann.open_world_hint if ann else None,
        )

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            self._tools_stale = True
            if self._wake is not None:
                self._wake.set()
        elif self.catalog.note(message):  # prompts or resources changed: listed again by _watch
            if self._wake is not None:
                self._wake.set()
        elif isinstance(message, types.ElicitCompleteNotification):
            self._host.elicitation_complete(self.name, message.params.elicitation_id)
        elif isinstance(message, Exception):  # e.g. a non-JSON line on the server's stdout
            log.debug("server %s sent something unreadable: %s", self.name, message)

    def _skip(self, note: str) -> None:
        """A tool left out of a tools/list answer (its definition is invalid): said in the log
        and in the server's status, so the user knows why it is missing."""
        log.warning("server %s: %s", self.name, note)
        self._skipped.append(note)

    def _skip_note(self) -> str | None:
        return "; ".join([*self._skipped, *filter(None, [self.messages.hidden_note()])]) or None

    async def _on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self._log.write_line(f"[{params.level}] {params.data}")
        self.messages.add(params)

    async def _ask_log_level(self, session: ClientSession) -> None:
        if not self.messages.logging:
            return
        try:
            await set_level(session, self.messages.level)
        except Exception as exc:  # its log stays at the server's own level; the server still works
            log.warning("server %s: logging/setLevel %s failed: %s", self.name, self.messages.level, errors.describe(exc))

    async def set_log_level(self, level: str) -> None:
        """From now on, and after a restart: the server sends log messages at `level` and above."""
        self.messages.level = level
        if self.session is not None and self.messages.logging:
            await set_level(self.session, level)  # a refusal is the user's to see (/loglevel says it)

    # -- reasons and the log file --------------------------------------------

    async def _report_failure(self, exc: BaseException) -> None:
        if errors.is_connection_closed(errors.root_cause(exc)):
            await self._log.drain()  # the reason is often its last stderr line
        self._set(*self._failure(exc))

    def _failure(self, exc: BaseException) -> tuple[ServerState, str]:
        cfg = self.config
        root = errors.root_cause(exc)
        started = self.state is not ServerState.STARTING
        if (refused := oauth.describe_failure(self._auth)) is not None:
            return (ServerState.NEEDS_LOGIN if refused[0] else ServerState.FAILED), refused[1]
        if isinstance(root, TimeoutError) and not started:
            return ServerState.FAILED, f"no answer within {self.startup_timeout:g}s (initialize / list tools)"
        if errors.is_connection_closed(root):
            return (ServerState.EXITED if started else ServerState.FAILED), self._exit_reason(started)
        reason = errors.describe(exc, command=cfg.command, cwd=cfg.cwd, url=cfg.url)
        return (ServerState.EXITED if started else ServerState.FAILED), reason

    def _exit_reason(self, started: bool) -> str:
        if self.config.transport != "stdio":
            return f"connection lost: {self._lost_reason}" if self._lost_reason else "connection closed"
        line = self.last_stderr_line()
        head = "exited" if started else "exited during start"
        return f"{head}: {line}" if line else f"{head} (nothing on stderr)"

    def last_stderr_line(self) -> str | None:
        return self._log.last_line()

    def stderr_tail(self, count: int = 40) -> list[str]:
        return self._log.tail_lines(count)

    def _open_log(self) -> None:
        self._log.open(f"--- mcp-tui: starting {self.name} at {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n", MAX_LOG_BYTES)

    def _close_log(self) -> None:
        self._log.close()
