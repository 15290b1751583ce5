"""The per-server log view: opened from the sidebar (v), /log and the palette, live while open;
/loglevel; one toast for a server's first error; its snapshots at 120x40 and 80x24."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.models.events import ServerLogged
from mcp_tui.ui.commands import McpTuiCommands
from mcp_tui.ui.completions import EngineSources, complete
from mcp_tui.ui.screens.help import help_table
from mcp_tui.ui.screens.server_log import ServerLogScreen
from mcp_tui.ui.widgets.chat import InfoNote
from mcp_tui.ui.widgets.sidebar import ServerList
from tests.support.limits import GENEROUS
from tests.ui_helpers import T0, make_app, on_top, ready, say, settle, until

CHATTY = str(Path(__file__).parent / "servers" / "chatty_server.py")
SIZE = (120, 40)


def chatty(**overrides) -> ServerConfig:
    return ServerConfig(name="chatty", command=sys.executable, args=[CHATTY], **overrides)


def toasts(app, words: str) -> int:
    return sum(words in str(n.message) for n in app._notifications)


async def test_v_on_a_server_row_opens_its_log_which_stays_live(tmp_path):
    app = make_app(servers=[chatty(log_level="critical")], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        ring = app.engine.servers.messages("chatty")[0]
        assert (await app.engine.servers.call("chatty__log_all", {})).text == "sent 3"
        await until(pilot, lambda: len(ring.entries) == 3)
        servers = app.query_one(ServerList)
        servers.focus()
        servers.index = 0
        await pilot.press("v")
        await until(pilot, lambda: on_top(app, ServerLogScreen))
        screen = app.screen
        assert screen.server == "chatty" and [e.level for e in screen.entries] == ["critical", "alert", "emergency"]
        assert len(screen.query(".log-entry")) == 3
        heading = str(screen.query_one("#server-log-heading").render())
        assert "level critical and above" in heading and "3 messages received" in heading
        await app.engine.servers.call("chatty__log_all", {})  # arrives while the view is open
        await until(pilot, lambda: len(screen.query(".log-entry")) == 6)
        assert "6 messages received" in str(screen.query_one("#server-log-heading").render())
        # The first error-level message was toasted, once, with where to look.
        assert toasts(app, "chatty logged critical: critical message") == 1
        assert toasts(app, "logged") == 1
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ServerLogScreen))


async def test_slash_log_and_loglevel_and_the_palette_entry():
    app = make_app(servers=[chatty()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        sources = EngineSources(lambda: app.engine)
        assert [c.text for c in complete("/log ch", sources)] == ["/log chatty"]
        assert [c.text for c in complete("/loglevel ch", sources)] == ["/loglevel chatty "]
        assert [c.text for c in complete("/loglevel chatty err", sources)] == ["/loglevel chatty error"]
        await say(pilot, "/loglevel chatty loud")
        await until(pilot, lambda: "Usage: /loglevel SERVER LEVEL" in str(app.query(InfoNote).last().render()))
        await say(pilot, "/loglevel chatty info")
        await until(pilot, lambda: toasts(app, "chatty now sends log messages at info and above.") == 1)
        assert (await app.engine.servers.call("chatty__level", {})).text == "info"
        await say(pilot, "/log chatty")
        await until(pilot, lambda: on_top(app, ServerLogScreen))
        assert "level info and above" in str(app.screen.query_one("#server-log-heading").render())
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ServerLogScreen))
        titles = [entry[0] for entry in McpTuiCommands(app.screen)._entries()]
        assert "Server log: chatty" in titles
    rows = [str(cell) for cell in help_table().columns[0]._cells]
    assert "v (on a server)" in rows and "/loglevel SERVER LEVEL" in rows


def entries() -> list[ServerLogged]:
    rows = [
        ("debug", None, "cache warmed in 12 ms"),
        ("info", "db", "connected to sqlite:///data.db"),
        ("notice", "db", "schema version 7"),
        ("warning", "http", "slow answer from upstream (2.4 s)"),
        ("error", "db", '{\n  "problem": "disk full",\n  "free": [\n    0,\n    1\n  ]\n}'),
        ("critical", None, "giving up on the index rebuild"),
    ]
    return [ServerLogged(server="everything", level=lv, logger=lg, text=t, at=T0 + i) for i, (lv, lg, t) in enumerate(rows)]


@pytest.mark.usefixtures("fixed_message_times")
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_server_log_view(snap_compare, size):
    app = make_app(persist=False)

    async def run_before(pilot):
        app.handle_engine_event(ready("everything", 12))
        screen = ServerLogScreen(
            "everything", entries(), level="debug", logging=True, received=6,
            notes=["1 tool needs tasks: hidden (simulate-research-query)"],
            stderr=["Starting default (STDIO) server...", "warning: GZIP_ALLOWED_DOMAINS is not set"],
        )
        app.push_screen(screen)
        await until(pilot, lambda: on_top(app, ServerLogScreen))
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_tools_and_servers_say_which_tools_are_hidden_for_needing_tasks():
    from tests.support.npm_servers import everything_entry

    app = make_app(servers=[ServerConfig(name="everything", command="node", args=[str(everything_entry())])], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        await say(pilot, "/tools")
        await until(pilot, lambda: "tools" in str(app.query(InfoNote).last().border_title))
        note = app.query(InfoNote).last()
        assert "everything: 1 tool needs tasks: hidden (simulate-research-query)" in _plain(note)
        await say(pilot, "/servers")
        await until(pilot, lambda: app.query(InfoNote).last().border_title == "servers")
        offered = len(app.engine.servers.tools())  # more once roots/elicitation tools register
        assert f"everything: ready, {offered} tools — 1 tool needs tasks: hidden (simulate-research-query)" in _plain(app.query(InfoNote).last())


def _plain(widget) -> str:
    """What a note shows, as plain text (a table and lines)."""
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_an_open_log_stays_bounded_and_follows_the_newest():
    from mcp_tui.ui.screens.server_log import MAX_SHOWN

    app = make_app(persist=False)
    many = [ServerLogged(server="s", level="info", text=f"line {i}", at=T0 + i) for i in range(MAX_SHOWN)]
    async with app.run_test(size=SIZE) as pilot:
        screen = ServerLogScreen("s", many, level="info", logging=True)
        app.push_screen(screen)
        await until(pilot, lambda: on_top(app, ServerLogScreen))
        panel = screen.query_one("#server-log")
        await until(pilot, lambda: panel.max_scroll_y > 0 and panel.scroll_y == panel.max_scroll_y)
        screen.add(ServerLogged(server="s", level="error", text="the newest", at=T0 + MAX_SHOWN))
        await until(pilot, lambda: len(screen.query(".log-entry")) == MAX_SHOWN and panel.scroll_y == panel.max_scroll_y)
        assert screen.entries[0].text == "line 1" and screen.entries[-1].text == "the newest"
        assert "line 0" not in str(screen.query(".log-entry").first().render())
