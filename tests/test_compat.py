"""Compatibility with real servers and honest words (issue 16, item 7): remote servers that drop
reconnect, a cap on the tools offered, names that depend only on (server, tool), an SSE URL
without its type, policy refusals said as such, and the client info servers receive."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mcp_tui import __version__
from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.models.approval import ApprovalMode
from mcp_tui.models.events import ToolCallFailed, ToolsLeftOut
from mcp_tui.servers import ServerManager, ServerState, ToolCallError
from mcp_tui.servers.naming import VALID, NameRegistry, shown_name
from mcp_tui.ui.widgets.sidebar import ServerRow
from tests.engine_helpers import run, unruly_server
from tests.support.limits import GENEROUS, eventually
from tests.support.npm_servers import everything_entry
from tests.ui_helpers import make_app, turn, until
from tests.support.openai_server import call, text, tool_calls

COMPAT = str(Path(__file__).parent / "servers" / "compat_server.py")


def compat_server(name: str = "c", *flags: str) -> ServerConfig:
    return ServerConfig(name=name, command=sys.executable, args=[COMPAT, *flags])


# -- client info ------------------------------------------------------------------------


async def test_servers_receive_mcp_tui_and_its_version(openai_server, make_engine):
    """What a real server read from initialize: mcp-tui and the package's version, not the
    SDK's default ("mcp", "0.1.0" of the SDK)."""
    openai_server.enqueue(tool_calls(call("c__client_info", "{}", id="1")), text("ok"))
    engine = await make_engine([compat_server()])
    await run(engine, "who are you?")
    told = json.loads(openai_server.requests[-1]["messages"][-1]["content"])
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text()
    assert told["name"] == "mcp-tui" and told["version"] == __version__
    assert f'version = "{__version__}"' in pyproject


# -- policy refusals ----------------------------------------------------------------------


async def test_a_policy_refusal_says_the_policy_refused(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "x"}, id="1"), call("u__fail", "{}", id="2")), text("ok"))
    engine = await make_engine([unruly_server()], approve=ApprovalMode.READONLY)
    events = await run(engine, "go")
    (failed,) = [e for e in events if isinstance(e, ToolCallFailed)]
    assert (failed.call_id, failed.kind) == ("2", "refused")
    told = next(m for m in openai_server.requests[-1]["messages"] if m.get("tool_call_id") == "2")
    assert told["content"].startswith("Not run: the --approve readonly policy allows only read-only tools")
    assert "user" not in told["content"]
    saved = next(m for m in engine.context.history.messages if m.tool_call_id == "2")
    assert saved.outcome == "refused"  # a resumed chip says "refused by policy"


def test_headless_never_policy_names_the_policy_on_stderr(tmp_path, openai_server):
    openai_server.enqueue(tool_calls(call("c__lookup", {"key": "k"}, id="1")), text("fine"))
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"c": {"command": sys.executable, "args": [COMPAT]}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url,
         "--api-key", "sk-test", "--config", str(config), "--approve", "never", "--prompt", "look k up"],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("⚙")]
    assert "c.lookup" in line and "refused: Not run: the --approve never policy allows no tool calls" in line
    assert "user refused" not in result.stderr
    told = openai_server.requests[-1]["messages"][-1]
    assert told["role"] == "tool" and "--approve never policy" in told["content"]


# -- names --------------------------------------------------------------------------------


def test_names_depend_only_on_the_pair_not_on_who_listed_first():
    pairs = [("ev.a", "echo"), ("ev_a", "echo"), ("ev a", "echo"), ("x", "a.b"), ("x", "a_b"), ("a", "b__c"), ("a__b", "c"), ("a_", "_b"), ("a", "__b")]
    forward, backward = NameRegistry(), NameRegistry()
    ahead = {pair: forward.name_for(*pair) for pair in pairs}
    behind = {pair: backward.name_for(*pair) for pair in reversed(pairs)}
    assert ahead == behind
    assert len(set(ahead.values())) == len(pairs) and all(VALID.match(n) for n in ahead.values())
    assert ahead[("ev_a", "echo")] == "ev_a__echo" and ahead[("x", "a_b")] == "x__a_b"  # no change needed: plain
    assert ahead[("ev.a", "echo")].startswith("ev_a__echo_") and ahead[("a", "b__c")] == "a__b__c"
    assert shown_name("my_server__a_b_c") == "my_server.a_b_c"  # a saved call of a server not running reads as before


async def test_servers_ev_dot_a_and_ev_a_keep_their_names_in_any_start_order(tmp_path):
    names = []
    for order in (["ev.a", "ev_a"], ["ev_a", "ev.a"]):
        manager = ServerManager([compat_server(n) for n in order], log_dir=tmp_path)
        try:
            await manager.start()
            await manager.wait_settled(GENEROUS)
            tools = {t.qualified_name: t.server for t in manager.tools()}
            assert len(tools) == 6 and tools["ev_a__lookup"] == "ev_a"
            names.append(tools)
        finally:
            await manager.aclose()
    assert names[0] == names[1]


# -- the tool cap -------------------------------------------------------------------------

MANY = str(Path(__file__).parent / "servers" / "many_tools_server.py")


def many_tools(name: str, count: int) -> ServerConfig:
    return ServerConfig(name=name, command=sys.executable, args=[MANY, "--tools", str(count)])


def sent_tools(request: dict) -> list[str]:
    return [t["function"]["name"] for t in request.get("tools", [])]


async def test_more_than_128_tools_are_cut_to_whole_servers_and_the_user_is_told_once(openai_server, make_engine):
    openai_server.enqueue(text("one"), text("two"), text("three"))
    engine = await make_engine([many_tools("a", 60), many_tools("b", 80), compat_server("c")])
    first = await run(engine, "hi")
    names = sent_tools(openai_server.requests[0])
    assert len(names) == 128 and len(set(names)) == 128
    # a (60) and c (3) whole, in config order; b (80) did not fit, so the 65 places left are its first tools
    assert [n for n in names if n.startswith("a__")] == [f"a__lookup_{i:04d}" for i in range(60)]
    assert {n for n in names if n.startswith("c__")} == {"c__client_info", "c__lookup", "c__append"}
    assert [n for n in names if n.startswith("b__")] == [f"b__lookup_{i:04d}" for i in range(65)]
    (told,) = [e for e in first if isinstance(e, ToolsLeftOut)]
    assert (told.offered, told.total, told.left_out) == (128, 143, ["b (15 of 80 tools)"])
    assert "/toolset NAME off" in told.message and "--max-tools" in told.message
    assert not [e for e in await run(engine, "again") if isinstance(e, ToolsLeftOut)]  # said once per tool set
    engine.set_tools_on("a", False)  # the user's choice: now everything else fits
    third = await run(engine, "and now")
    assert len(sent_tools(openai_server.requests[2])) == 83 and not [e for e in third if isinstance(e, ToolsLeftOut)]


def test_headless_max_tools_flag_caps_and_says_which_were_left_out(tmp_path, openai_server):
    openai_server.enqueue(text("fine"))
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"m": {"command": sys.executable, "args": [MANY, "--tools", "60"]}, "c": {"command": sys.executable, "args": [COMPAT]}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url,
         "--api-key", "sk-test", "--config", str(config), "--max-tools", "50", "--prompt", "hi"],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert len(sent_tools(openai_server.requests[0])) == 50
    assert "warning: 63 tools are more than the 50 a request may carry, so 50 are offered" in result.stderr
    assert "Left out: m (13 of 60 tools)." in result.stderr


# -- a remote server that drops -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HttpServer:
    """compat_server.py over streamable HTTP (or SSE) on a fixed port, to stop and start again."""

    def __init__(self, mode: str = "--http") -> None:
        self.port, self.mode, self.proc = _free_port(), mode, None

    async def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, COMPAT, self.mode, str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + GENEROUS
        while time.monotonic() < deadline:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError("the test server did not listen")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@pytest.fixture
async def http_server():
    server = HttpServer()
    await server.start()
    yield server
    server.stop()


def _remote(server: HttpServer, name: str = "h", path: str = "/mcp", transport: str = "http") -> ServerConfig:
    return ServerConfig(name=name, transport=transport, url=f"http://127.0.0.1:{server.port}{path}")


async def test_a_restarted_http_server_is_reconnected_and_a_read_only_call_repeated(tmp_path, http_server):
    seen = []
    manager = ServerManager([_remote(http_server)], log_dir=tmp_path, startup_timeout=GENEROUS, on_status=seen.append)
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        first_pid = http_server.proc.pid
        assert (await manager.call("h__lookup", {"key": "k"})).text == f"k from pid {first_pid}"
        http_server.stop()
        await http_server.start()  # same port, new process: our session id means nothing to it
        # read-only: repeated once on the new connection, so the model never sees the drop
        assert (await manager.call("h__lookup", {"key": "k"}, timeout=GENEROUS)).text == f"k from pid {http_server.proc.pid}"
        exited = [s for s in seen if s.state is ServerState.EXITED]
        assert len(exited) == 1 and exited[0].reconnecting
        assert exited[0].reason.startswith("connection lost: the server refuses this session") and "reconnecting in 0.5 s (try 1 of 3)" in exited[0].reason
        assert seen[-1].state is ServerState.READY and not seen[-1].reconnecting
        assert (await manager.call("h__append", {"text": "x"})).text == "1 items"
        http_server.stop()
        await http_server.start()
        with pytest.raises(ToolCallError) as err:  # not read-only: it may have run, so it is not repeated
            await manager.call("h__append", {"text": "y"}, timeout=GENEROUS)
        assert err.value.kind == "unavailable" and "is reconnected now; h.append was not repeated" in err.value.message
        assert next(s for s in manager.statuses()).state is ServerState.READY
        assert (await manager.call("h__append", {"text": "z"})).text == "1 items"  # the new server's first
    finally:
        await manager.aclose()


async def test_server_everything_over_http_restarted_is_reconnected(tmp_path):
    """server-everything answers a stale session id with 400 and a body the SDK cannot read
    (-32603 "Server returned an error response"): a failed ping confirms the drop."""
    port = _free_port()

    async def everything() -> subprocess.Popen:
        proc = subprocess.Popen(["node", str(everything_entry()), "streamableHttp"], env={**os.environ, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await eventually(lambda: _listening(port), "server-everything listens")
        return proc

    proc = await everything()
    seen = []
    manager = ServerManager([ServerConfig(name="ev", transport="http", url=f"http://127.0.0.1:{port}/mcp")], log_dir=tmp_path, startup_timeout=GENEROUS, on_status=seen.append)
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        assert (await manager.call("ev__echo", {"message": "one"})).text == "Echo: one"
        proc.kill()
        proc.wait()
        proc = await everything()
        assert manager.resolve("ev__echo").read_only  # so the call is repeated on the new session
        assert (await manager.call("ev__echo", {"message": "two"}, timeout=GENEROUS)).text == "Echo: two"
        (exited,) = [s for s in seen if s.state is ServerState.EXITED]
        assert exited.reason.startswith("connection lost: the server refuses this session (a call and a ping failed; it may have restarted)")
    finally:
        await manager.aclose()
        proc.kill()
        proc.wait()


async def test_an_sse_server_that_restarts_is_noticed_without_a_call_and_reconnected(tmp_path):
    server = HttpServer("--sse")
    await server.start()
    seen = []
    manager = ServerManager([_remote(server, path="/sse", transport="sse")], log_dir=tmp_path, startup_timeout=GENEROUS, on_status=seen.append)
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        server.stop()  # its event stream ends: known at once, no call needed
        await eventually(lambda: any(s.state is ServerState.EXITED for s in seen), "the drop is noticed")
        await server.start()
        await eventually(lambda: seen[-1].state is ServerState.READY, "reconnected")
        assert (await manager.call("h__lookup", {"key": "k"})).text == f"k from pid {server.proc.pid}"
    finally:
        await manager.aclose()
        server.stop()


async def test_a_server_that_stays_down_ends_exited_with_the_reason_and_restart_brings_it_back(tmp_path, http_server):
    seen = []
    manager = ServerManager([_remote(http_server)], log_dir=tmp_path, startup_timeout=GENEROUS, on_status=seen.append, reconnect_delays=(0.1, 0.2))
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        http_server.stop()
        with pytest.raises(ToolCallError) as err:
            await manager.call("h__lookup", {"key": "k"}, timeout=GENEROUS)
        assert err.value.kind == "unavailable" and "lost its connection" in err.value.message
        status = lambda: next(iter(manager.statuses()))  # noqa: E731
        await eventually(lambda: status().state is ServerState.EXITED and not status().reconnecting, "exited for good")
        assert status().reason.startswith("cannot connect to http://127.0.0.1:") and status().reason.endswith("; 2 tries to reconnect failed")
        assert [s.reconnecting for s in seen if s.state in (ServerState.EXITED, ServerState.FAILED)][-1] is False  # said once, at the end
        await http_server.start()
        await manager.restart("h")  # what r in the sidebar does
        await manager.wait_settled(GENEROUS)
        assert status().state is ServerState.READY
        assert (await manager.call("h__lookup", {"key": "k"})).text == f"k from pid {http_server.proc.pid}"
    finally:
        await manager.aclose()


# -- an SSE URL without its type ----------------------------------------------------------------


async def _sse_everything(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(["node", str(everything_entry()), "sse"], env={**os.environ, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await eventually(lambda: _listening(port), "server-everything listens")
    return proc


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("peer", ["python-sdk", "server-everything"])  # the POST is refused with 405 / 404
async def test_an_sse_url_configured_without_its_type_is_used_over_sse(tmp_path, peer):
    if peer == "python-sdk":
        server = HttpServer("--sse")
        await server.start()
        port, stop, tool = server.port, server.stop, ("s__lookup", {"key": "k"}, "k from pid")
    else:
        port = _free_port()
        proc = await _sse_everything(port)
        stop, tool = (lambda: (proc.kill(), proc.wait())), ("s__echo", {"message": "hi"}, "Echo: hi")
    config_file = tmp_path / "server_config.json"
    config_file.write_text(json.dumps({"mcpServers": {"s": {"url": f"http://127.0.0.1:{port}/sse"}}}))  # no "type"
    (config,) = load_servers(config_file).servers
    assert config.transport == "http"
    manager = ServerManager([config], log_dir=tmp_path, startup_timeout=GENEROUS)
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        (status,) = manager.statuses()
        assert (status.state, status.transport) == (ServerState.READY, "sse"), status.reason
        name, arguments, expected = tool
        assert (await manager.call(name, arguments)).text.startswith(expected)
    finally:
        await manager.aclose()
        stop()


async def test_a_url_that_is_neither_still_fails_with_its_reason(tmp_path, http_server):
    """The probe does not turn a plain wrong URL into something else."""
    manager = ServerManager([_remote(http_server, path="/nothing-here")], log_dir=tmp_path, startup_timeout=GENEROUS)
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        (status,) = manager.statuses()
        assert status.state is ServerState.FAILED and status.transport == "http"
    finally:
        await manager.aclose()


async def test_the_tui_says_a_drop_once_when_reconnecting_has_failed(openai_server, http_server):
    """While it reconnects the sidebar row says so; the error toast comes only when it gives up."""
    openai_server.enqueue(tool_calls(call("h__lookup", {"key": "k"}, id="1")), text("it failed"))
    app = make_app(openai_server.base_url, [_remote(http_server)], approve="auto")
    said: list[str] = []
    notify = app.notify
    app.notify = lambda message, *a, **k: (said.append(str(message)), notify(message, *a, **k))[1]
    async with app.run_test(size=(120, 40)) as pilot:
        row = lambda: next((r for r in app.query(ServerRow) if r.server_name == "h"), None)  # noqa: E731
        await until(pilot, lambda: row() is not None and row().state == "ready")
        http_server.stop()
        await turn(pilot, "look it up")
        status = lambda: app.engine.servers.statuses()[0]  # noqa: E731
        await until(pilot, lambda: row().state == "exited" and status().state is ServerState.EXITED and not status().reconnecting)
        await pilot.pause()
        dropped = [s for s in said if s.startswith("Server h ")]
        assert len(dropped) == 1 and "3 tries to reconnect failed" in dropped[0], said
        assert "press r to restart" in dropped[0]
