"""Layout at every size, the timeline's columns, server states in the sidebar, quitting."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.bundled.defaults import default_servers
from mcp_tui.models.events import ServerStateChanged, ToolCallAwaitingApproval, ToolCallRequested
from mcp_tui.servers import processes
from mcp_tui.ui.app import EngineEvent
from mcp_tui.ui.shutdown import HARD_EXIT_CODE
from mcp_tui.ui.commands import parse_slash
from mcp_tui.ui.widgets.chat import InfoNote
from mcp_tui.ui.widgets.chat import Transcript
from mcp_tui.ui.widgets.sidebar import ServerList, ServerRow, Sidebar
from mcp_tui.ui.widgets.timeline import ToolTimeline
from tests.engine_helpers import UNRULY, time_server, unruly_server
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn, until


def screen_text(app) -> str:
    """What the terminal would show, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def row_named(app, name: str) -> ServerRow:
    return next(r for r in app.query(ServerRow) if r.server_name == name)


def row_text(app, name: str) -> str:
    return str(row_named(app, name).query_one("Label").render())


async def test_servers_that_fail_at_once_reach_failed_and_r_restarts_them(tmp_path):
    flag = tmp_path / "may-start"
    gated = ServerConfig(  # fails at once until the flag file exists, then is a real server
        name="gated", command="/bin/sh",
        args=["-c", f'test -e "{flag}" || {{ echo "no flag" >&2; exit 1; }}; exec "{sys.executable}" "{UNRULY}"'],
    )
    missing = ServerConfig(name="missing", command="no-such-mcp-server-anywhere")
    app = make_app(servers=[unruly_server("dies", "--exit-at-start"), missing, gated])
    async with app.run_test(size=(120, 40)) as pilot:
        names = ("dies", "missing", "gated")
        await until(pilot, lambda: len(app.query(ServerRow)) == 3 and all(row_named(app, n).state == "failed" for n in names))
        await until(pilot, lambda: all(row_text(app, n).startswith("✗") for n in names))
        assert "no flag" in row_text(app, "gated")
        flag.touch()
        servers = app.query_one(ServerList)
        servers.focus()
        servers.index = 2
        await pilot.press("r")
        await until(pilot, lambda: row_named(app, "gated").state == "ready")
        await until(pilot, lambda: row_text(app, "gated").startswith("● gated"))


async def test_server_states_that_come_before_the_row_is_drawn_are_kept():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        # the same frame: the row does not exist yet when "failed" comes
        app.handle_engine_event(ServerStateChanged(name="early", state="starting"))
        app.post_message(EngineEvent(ServerStateChanged(name="early", state="failed", reason="exited during start")))
        await until(pilot, lambda: row_named(app, "early").state == "failed")
        await until(pilot, lambda: row_text(app, "early").startswith("✗ early  failed"))
        for _ in range(3):  # nothing late may draw an older state over it
            await pilot.pause()
        assert row_text(app, "early").startswith("✗ early  failed")


async def test_a_missing_variable_is_named_and_a_set_value_stays_masked(tmp_path):
    secret = "sk-live-4f9a8b7c6d5e"
    config = tmp_path / "server_config.json"
    config.write_text(
        '{"mcpServers": {'
        '"needs-var": {"command": "true", "env": {"GITHUB_TOKEN": "${MISSING_GH_TOKEN_XYZ}"}},'
        f'"leaky": {{"command": "{sys.executable}", "args": ["-c", "import os, sys; print(os.environ[\'API_KEY\'], file=sys.stderr); sys.exit(3)"],'
        ' "env": {"API_KEY": "${SET_API_KEY_XYZ}"}}}}'
    )
    loaded = load_servers(config, environ={"SET_API_KEY_XYZ": secret, "PATH": "/usr/bin:/bin"})
    app = make_app(servers=loaded.servers)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: len(app.query(ServerRow)) == 2 and all(r.state == "failed" for r in app.query(ServerRow)))
        await until(pilot, lambda: "${MISSING_GH_TOKEN_XYZ} is not set" in row_text(app, "needs-var"))
        await until(pilot, lambda: "•••" in row_text(app, "leaky"))  # its stderr said the value
        await app.run_slash(*parse_slash("/servers"))
        await pilot.pause()
        shown = screen_text(app)
        assert "${MISSING_GH_TOKEN_XYZ}" in shown and "•••  is not set" not in shown
        assert secret not in shown


async def test_tools_and_servers_say_counts_read_only_and_cut_at_a_word(tmp_path):
    sqlite = next(s for s in default_servers(tmp_path) if s.name == "sqlite")
    many = ServerConfig(name="one", command=sys.executable, args=[str(Path(UNRULY).with_name("many_tools_server.py")), "--tools", "1"])
    app = make_app(servers=[sqlite, many])
    async with app.run_test(size=(120, 40)) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        await until(pilot, lambda: "1 tool ·" in row_text(app, "one"))
        assert "1 tools" not in row_text(app, "one")
        await app.run_slash(*parse_slash("/tools"))
        note = app.query(InfoNote).last()
        assert note.border_title == "5 tools"
        table = note.content
        names, read_only, described = ([str(c) for c in col._cells] for col in table.columns)
        write = names.index("sqlite.write_query")
        assert read_only[write] == "no" and read_only[names.index("sqlite.read_query")] == "yes"
        whole = next(t.description for t in app.engine.servers.tools() if t.name == "write_query").splitlines()[0]
        cut = described[write]
        assert len(whole) > 70 and cut.endswith("…") and len(cut) <= 70
        assert whole.startswith(cut[:-1]) and whole[len(cut) - 1] in " ,.;"  # a whole word, not half of one
        await app.run_slash(*parse_slash("/servers"))
        servers = str(app.query(InfoNote).last().content)
        assert "one: ready, 1 tool\n" in servers and "sqlite: ready, 4 tools" in servers


LONG = "customer-database-staging"
WORDS = "the quick brown fox jumps over the lazy dog " * 4  # arguments far wider than 18 characters


def timeline_fits(timeline: ToolTimeline) -> None:
    """Every column drawn inside the pane: no horizontal scrolling, nothing off its edge."""
    widths = sum(c.get_render_width(timeline) for c in timeline.columns.values())
    assert widths == timeline.scrollable_content_region.width
    assert timeline.virtual_size.width <= timeline.scrollable_content_region.width
    assert not timeline.show_horizontal_scrollbar


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_timeline_columns_fit_the_pane_at_every_size(openai_server, size):
    calls = [call(f"{LONG}__echo", {"text": f"{i} {WORDS}"}, id=f"e{i}") for i in range(9)]
    openai_server.enqueue(tool_calls(*calls), text("ok"))
    app = make_app(openai_server.base_url, [unruly_server(LONG)], approve="auto")
    async with app.run_test(size=size) as pilot:
        await turn(pilot, "echo a lot")
        timeline = app.query_one(ToolTimeline)
        # one more call, waiting for its approval (as the engine says it)
        ids = dict(server=LONG, tool="echo", qualified_name=f"{LONG}__echo", call_id="w")
        await app.on_turn_event(ToolCallRequested(**ids, arguments={"text": WORDS}))
        await app.on_turn_event(ToolCallAwaitingApproval(**ids, arguments={"text": WORDS}))
        await pilot.pause()
        await pilot.pause()
        timeline_fits(timeline)
        shown = screen_text(app)
        assert "? waiting for approval" in shown and " duration " in shown
        assert f"….echo" in shown or f"{LONG}.echo" in shown  # the tool's name whole, the server's shortened
        # the cursor (the newest row) is in sight, not under a scrollbar or below the pane
        visible = timeline.scrollable_content_region.height - timeline.header_height
        assert timeline.cursor_row == timeline.row_count - 1
        assert timeline.scroll_y <= timeline.cursor_row < timeline.scroll_y + visible
        args = str(timeline.get_cell("w", "args"))
        assert args.endswith("…") and WORDS.startswith(args[len('{"text":"'):-1])
        if size[0] >= 200:
            assert f"{LONG}.echo" in shown and len(args) > 60
        # a resize lays the columns out again
        await pilot.resize_terminal(size[0] + 30, size[1])
        await until(pilot, lambda: sum(c.get_render_width(timeline) for c in timeline.columns.values()) == timeline.scrollable_content_region.width)
        timeline_fits(timeline)


def shown_width(widget) -> int:
    return widget.region.width if widget.display and widget.is_mounted else 0


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
async def test_layout_adapts_to_the_terminal_size(size):
    width, height = size
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: "ctx" in app.sub_title)
        sidebar, transcript = app.query_one(Sidebar), app.query_one(Transcript)
        timeline = app.query_one(ToolTimeline)
        # model · context % · cost always in sight, in the header
        assert app.sub_title.startswith("openai/test-model · ctx 0% · ")
        assert "openai/test-model · ctx 0%" in screen_text(app).splitlines()[0]
        header = next(line for line in screen_text(app).splitlines() if " time " in line and " tool " in line)
        assert " state " in header and header.rstrip(" │").endswith("arguments")  # every column on screen
        footer = screen_text(app).splitlines()[-1]
        assert "Quit" in footer and "Help" in footer  # the keys to leave and to learn the rest
        if width < 100:
            assert shown_width(sidebar) == 0 and transcript.region.width == width
            assert timeline.region.height < 9  # a short screen keeps more of it for the chat
            await pilot.press("ctrl+b")  # shown over the chat, which keeps its width
            await until(pilot, lambda: shown_width(sidebar) > 0)
            assert transcript.region.width == width and sidebar.region.right == width
            await pilot.press("ctrl+b")
            await until(pilot, lambda: shown_width(sidebar) == 0)
        else:
            assert shown_width(sidebar) >= 36 and transcript.region.width >= width - 46
            await pilot.press("ctrl+b")
            await until(pilot, lambda: shown_width(sidebar) == 0)
            assert transcript.region.width == width
            await pilot.press("ctrl+b")
            await until(pilot, lambda: shown_width(sidebar) > 0)
        if height >= 50:
            assert timeline.region.height > 9  # a tall screen has room for more calls
        # across the breakpoint and back: the sidebar follows the width
        await pilot.resize_terminal(80 if width >= 100 else 140, height)
        await until(pilot, lambda: (shown_width(sidebar) == 0) == (width >= 100))
        await pilot.resize_terminal(width, height)
        await until(pilot, lambda: (shown_width(sidebar) == 0) == (width < 100))


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


async def test_quitting_stops_every_server_and_returns():
    app = make_app(servers=[unruly_server("a"), unruly_server("b"), time_server()])
    async with app.run_test(size=(120, 40)) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        assert [s.state.value for s in app.engine.servers.statuses()] == ["ready"] * 3
        servers = processes.child_pids()
        assert len(servers) >= 3 and all(alive(p) for p in servers)
        await pilot.press("ctrl+q")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GENEROUS
        while app.is_running:  # the pilot cannot pause once the app is gone
            assert loop.time() < deadline, "the app did not quit"
            await asyncio.sleep(0.02)
    assert app.return_code == 0
    assert {s.state.value for s in app.engine.servers.statuses()} == {"stopped"}
    assert not [p for p in servers if alive(p)]
    assert app.engine.recorder is None or app.engine.recorder.writer._closed


HANGING_SHUTDOWN = """
import queue, signal, sys
from pathlib import Path
from mcp_tui.store.session_file import SessionWriter
from mcp_tui.ui.shutdown import ShutdownDeadline

signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as a loop stuck in a blocked write never sees it
writer = SessionWriter("hung", Path(sys.argv[1]))

def last_step():
    writer.write("note", text="closed before the hard exit")
    writer.close()

ShutdownDeadline(last_step, seconds=0.2).arm()
print("armed", flush=True)
stuck = queue.Queue(maxsize=1)
stuck.put("the terminal is gone")
stuck.put("so this blocks for ever, as Textual's WriterThread.write did")
"""


def test_a_shutdown_that_hangs_ends_at_its_deadline_after_closing_the_session(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", HANGING_SHUTDOWN, str(tmp_path)], cwd=Path(__file__).parents[1], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "armed\n"
        child.send_signal(signal.SIGTERM)  # ignored: only the deadline can end it
        assert child.wait(timeout=GENEROUS) == HARD_EXIT_CODE
    finally:
        child.kill()
    saved = (tmp_path / "hung.jsonl").read_text()
    assert "closed before the hard exit" in saved and saved.endswith("\n")
