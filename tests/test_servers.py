"""ServerManager against real MCP servers: mcp-server-time, mcp-server-git,
server-everything (stdio, HTTP, SSE) and the deliberately unruly test server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import mcp_types as types
import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import ServerManager, ServerState, ToolCallError, qualify
from mcp_tui.servers.naming import VALID, NameRegistry
from mcp_tui.servers.processes import child_pids
from mcp_tui.servers.results import convert
from tests.support.limits import GENEROUS, SHORT
from tests.support.npm_servers import everything_entry

BIN = Path(sys.executable).parent
UNRULY = str(Path(__file__).parent / "servers" / "unruly_server.py")


def unruly(name: str = "u", *flags: str) -> ServerConfig:
    return ServerConfig(name=name, command=sys.executable, args=[UNRULY, *flags])


@pytest.fixture
async def make(tmp_path):
    """Builds ServerManagers that are started, settled, and closed after the test."""
    managers: list[ServerManager] = []

    async def build(configs: list[ServerConfig], **kwargs) -> ServerManager:
        kwargs.setdefault("log_dir", tmp_path)
        manager = ServerManager(configs, **kwargs)
        managers.append(manager)
        await manager.start()
        await manager.wait_settled(GENEROUS)
        return manager

    yield build
    for manager in managers:
        await manager.aclose()


def descendants() -> set[int]:
    try:
        import psutil
    except ImportError:
        return child_pids()  # direct children only, from /proc
    return {p.pid for p in psutil.Process().children(recursive=True)}


def _all_cmdlines() -> list[bytes]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            pass
    return found


def state(manager: ServerManager, name: str):
    return next(s for s in manager.statuses() if s.name == name)


# -- pure parts -----------------------------------------------------------------


def test_names_are_safe_unique_and_stable():
    assert qualify("time", "get_current_time") == "time__get_current_time"
    dirty = qualify("my server", "a.b/c")  # sanitised, and a hash says which pair it was
    assert dirty.startswith("my_server__a_b_c_") and VALID.match(dirty) and dirty != qualify("my_server", "a_b_c")
    long = qualify("s" * 40, "t" * 40)
    assert VALID.match(long) and long == qualify("s" * 40, "t" * 40)
    assert long != qualify("s" * 40, "t" * 39 + "u")  # the hash keeps cut names apart
    registry = NameRegistry()
    first, second = registry.name_for("a.b", "q"), registry.name_for("a_b", "q")
    assert second == "a_b__q" and first != second and VALID.match(first)
    assert registry.lookup(first) == ("a.b", "q")
    assert registry.name_for("a.b", "q") == first


def test_result_conversion_describes_and_bounds():
    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="hello"),
            types.ImageContent(type="image", data="AAAA", mime_type="image/png"),
            types.EmbeddedResource(
                type="resource", resource=types.TextResourceContents(uri="file:///a.txt", text="inside")
            ),
        ]
    )
    converted = convert(result, 100)
    assert converted.text == "hello\n[image: image/png, 3 bytes]\ninside"
    bounded = convert(types.CallToolResult(content=[types.TextContent(type="text", text="x" * 500)]), 100)
    assert bounded.truncated and bounded.full_text == "x" * 500
    assert "400" in bounded.text and bounded.text.startswith("x" * 100)


# -- third-party servers ----------------------------------------------------------


async def test_time_server(make):
    manager = await make([ServerConfig(name="time", command=str(BIN / "mcp-server-time"))])
    assert state(manager, "time").state is ServerState.READY
    tools = {t.qualified_name: t for t in manager.tools()}
    assert set(tools) == {"time__get_current_time", "time__convert_time"}
    info = manager.resolve("time__get_current_time")
    assert info.name == "get_current_time" and info.server == "time" and info.read_only is True
    spec = info.to_openai()
    assert spec["function"]["name"] == "time__get_current_time"
    assert spec["function"]["parameters"]["type"] == "object"
    result = await manager.call("time__get_current_time", {"timezone": "Asia/Tokyo"})
    assert not result.is_error and "Asia/Tokyo" in result.text


async def test_git_server_tools_are_namespaced(make):
    manager = await make([ServerConfig(name="git", command=str(BIN / "mcp-server-git"))])
    names = [t.qualified_name for t in manager.tools()]
    assert len(names) >= 10 and state(manager, "git").tool_count == len(names)
    assert all(n.startswith("git__") and VALID.match(n) for n in names)
    assert "git__git_status" in names


async def test_everything_progress_over_stdio(make):
    entry = everything_entry()
    manager = await make([ServerConfig(name="everything", command="node", args=[str(entry)])])
    assert len(manager.tools()) >= 12  # 13, less simulate-research-query (it needs tasks: hidden)
    seen: list[tuple[float, float | None]] = []

    async def progress(value, total, message):
        seen.append((value, total))

    result = await manager.call(
        "everything__trigger-long-running-operation", {"duration": 0.3, "steps": 3}, progress=progress
    )
    assert "completed" in result.text.lower()
    assert seen == [(1, 3), (2, 3), (3, 3)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_port(port: int) -> None:
    deadline = time.monotonic() + GENEROUS
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


async def test_http_and_sse_transports(make):
    entry = everything_entry()
    ports = {"streamableHttp": _free_port(), "sse": _free_port()}
    procs = [
        subprocess.Popen(
            ["node", str(entry), mode], env={**os.environ, "PORT": str(port)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for mode, port in ports.items()
    ]
    try:
        for port in ports.values():
            await _wait_port(port)
        manager = await make(
            [
                ServerConfig(name="h", transport="http", url=f"http://127.0.0.1:{ports['streamableHttp']}/mcp", headers={"X-Test": "1"}),
                ServerConfig(name="s", transport="sse", url=f"http://127.0.0.1:{ports['sse']}/sse", headers={"X-Test": "1"}),
                ServerConfig(name="nobody", transport="http", url=f"http://127.0.0.1:{_free_port()}/mcp"),
            ],
            startup_timeout=GENEROUS,
            reconnect_delays=(),  # no tries to reconnect here (test_compat.py has those): it stays exited
        )
        assert (await manager.call("h__echo", {"message": "via http"})).text == "Echo: via http"
        assert (await manager.call("s__echo", {"message": "via sse"})).text == "Echo: via sse"
        nobody = state(manager, "nobody")
        assert nobody.state is ServerState.FAILED and "cannot connect" in nobody.reason
        procs[0].kill()
        procs[0].wait()
        with pytest.raises(ToolCallError) as err:
            await manager.call("h__echo", {"message": "gone"}, timeout=GENEROUS)
        assert err.value.kind == "unavailable"
        assert state(manager, "h").state is ServerState.EXITED
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


# -- the unruly server --------------------------------------------------------------


async def test_same_tool_names_on_two_servers_and_junk_stdout(make):
    manager = await make([unruly("a"), unruly("b", "--junk-stdout")])
    names = [t.qualified_name for t in manager.tools()]
    assert "a__echo" in names and "b__echo" in names and len(names) == len(set(names))
    assert manager.resolve("b__echo").server == "b"
    assert (await manager.call("a__echo", {"text": "one"})).text == "one"
    assert (await manager.call("b__echo", {"text": "two"})).text == "two"
    assert manager.resolve("a__echo").read_only is True
    assert (await manager.call("a__no_args", {})).text == "no args ok"


async def test_results_errors_big_and_image(make):
    manager = await make([unruly()], max_result_chars=1000)
    failed = await manager.call("u__fail", {})
    assert failed.is_error
    error_result = await manager.call("u__error_result", {})
    assert error_result.is_error and error_result.text == "something went wrong"
    big = await manager.call("u__big", {"megabytes": 1})
    assert big.truncated and len(big.full_text) == 1024 * 1024
    assert len(big.text) < 1100 and "truncated" in big.text
    image = await manager.call("u__image", {})
    assert image.text.startswith("[image: image/png,") and "bytes]" in image.text
    with pytest.raises(ToolCallError) as err:
        await manager.call("u__nope", {})
    assert err.value.kind == "unknown_tool"


async def test_crash_mid_call_then_restart(make):
    statuses = []
    manager = await make([unruly()], on_status=statuses.append)
    with pytest.raises(ToolCallError) as err:
        await manager.call("u__crash", {})
    assert err.value.kind == "unavailable" and "crashing now" in err.value.message
    status = state(manager, "u")
    assert status.state is ServerState.EXITED and "exited" in status.reason
    assert manager.tools() == []
    with pytest.raises(ToolCallError) as err:
        await manager.call("u__echo", {"text": "x"})
    assert err.value.kind == "unavailable"
    started = time.monotonic()
    await manager.restart("u")
    await manager.wait_settled(GENEROUS)
    print(f"restart took {time.monotonic() - started:.2f}s")
    assert state(manager, "u").state is ServerState.READY
    assert (await manager.call("u__echo", {"text": "back"})).text == "back"
    seen = [s.state for s in statuses]
    assert seen == [ServerState.STARTING, ServerState.READY, ServerState.EXITED, ServerState.STARTING, ServerState.READY]


async def test_hang_times_out_and_session_stays_usable(make):
    manager = await make([unruly()])
    with pytest.raises(ToolCallError) as err:
        await manager.call("u__hang", {}, timeout=SHORT)  # hangs for ever: only the timeout ends it
    assert err.value.kind == "timeout"
    assert (await manager.call("u__echo", {"text": "still here"})).text == "still here"


async def test_cancelling_a_call_returns_promptly(make):
    manager = await make([unruly()])
    progress: list[float] = []
    # ten minutes of work: a cancel that waited for the call would blow the generous bound below
    task = asyncio.create_task(manager.call("u__slow", {"seconds": 600, "steps": 6000}, progress=lambda v, t, m: progress.append(v)))
    while not progress:
        await asyncio.sleep(0.02)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, GENEROUS)
    print(f"cancel took {time.monotonic() - started:.2f}s")
    assert (await manager.call("u__echo", {"text": "next"})).text == "next"


async def test_start_failures_have_reasons(make, tmp_path):
    manager = await make(
        [
            ServerConfig(name="missing", command="no-such-command-mcp-tui"),
            unruly("dies", "--exit-at-start"),
            ServerConfig(name="broken", config_error="environment variable ${TOKEN} is not set"),
            ServerConfig(name="off", command="whatever", disabled=True),
        ],
        startup_timeout=GENEROUS,
    )
    # a server that never answers: the only one given a short start timeout
    mute = await make([ServerConfig(name="mute", command=sys.executable, args=["-c", "import sys\nfor _ in sys.stdin: pass"])], startup_timeout=SHORT)
    assert state(manager, "missing").reason == "command not found: no-such-command-mcp-tui"
    dies = state(manager, "dies")
    assert dies.state is ServerState.FAILED and "exited during start" in dies.reason and "refusing to start" in dies.reason
    mute = state(mute, "mute")
    assert mute.state is ServerState.FAILED and f"no answer within {SHORT:g}s" in mute.reason
    assert state(manager, "broken").state is ServerState.FAILED and "TOKEN" in state(manager, "broken").reason
    assert state(manager, "off").state is ServerState.DISABLED
    assert (tmp_path / "servers" / "dies.log").read_text().count("refusing to start") == 1


async def test_start_returns_at_once_and_wait_settled_is_bounded(tmp_path):
    hang = ServerConfig(name="mute", command=sys.executable, args=["-c", "import sys\nfor _ in sys.stdin: pass"])
    manager = ServerManager([hang], log_dir=tmp_path, startup_timeout=GENEROUS)
    try:
        await manager.start()
        # had start() waited for the server, it would be FAILED (no answer) by now
        assert state(manager, "mute").state is ServerState.STARTING
        await manager.wait_settled(SHORT)  # returns although the server is still starting
        assert state(manager, "mute").state is ServerState.STARTING
    finally:
        await manager.aclose()
    assert state(manager, "mute").state is ServerState.STOPPED


async def test_stderr_goes_to_the_log_file(make, tmp_path, capfd):
    manager = await make([unruly("noisy", "--flood-stderr")])
    assert (await manager.call("noisy__echo", {"text": "ok"})).text == "ok"
    captured = capfd.readouterr()
    assert "flood line" not in captured.err and "flood line" not in captured.out
    assert (tmp_path / "servers" / "noisy.log").read_text().count("flood line") == 2000


async def test_aclose_leaves_no_child_processes(tmp_path):
    seconds = f"61.{os.getpid() % 10000:04d}"  # this run's own grandchild: other runs may be about
    manager = ServerManager(
        [
            unruly("a"),
            # leaves a grandchild behind when it exits: aclose must kill its process group
            ServerConfig(name="b", command="sh", args=["-c", f"sleep {seconds} & exec {sys.executable} {UNRULY}"]),
            ServerConfig(name="time", command=str(BIN / "mcp-server-time")),
        ],
        log_dir=tmp_path,
    )
    await manager.start()
    await manager.wait_settled(GENEROUS)
    assert len(descendants()) >= 3
    begun = asyncio.Event()
    task = asyncio.create_task(manager.call("a__slow", {"seconds": 600, "steps": 6000}, progress=lambda v, t, m: begun.set()))
    await asyncio.wait_for(begun.wait(), GENEROUS)  # the call is running on the server
    import psutil

    left_behind = [p for p in psutil.process_iter(["cmdline"]) if seconds in " ".join(p.info["cmdline"] or [])]
    assert left_behind  # b's grandchild runs, outside the server's own process
    started = time.monotonic()
    await manager.aclose()
    print(f"aclose took {time.monotonic() - started:.2f}s")
    await manager.aclose()  # twice is fine
    with pytest.raises(ToolCallError) as err:
        await task
    assert err.value.kind == "cancelled"
    assert descendants() == set()
    # the grandchild was signalled; the kernel ends it a moment later: wait for its end
    _, alive = await asyncio.to_thread(psutil.wait_procs, left_behind, GENEROUS)
    assert alive == []
    assert not any(seconds.encode() in cmd for cmd in _all_cmdlines())
    assert {s.state for s in manager.statuses()} == {ServerState.STOPPED}
