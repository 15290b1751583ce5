"""Layout at every size, the timeline's columns, server states in the sidebar, quitting."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.bundled.defaults import default_servers
from mcp_tui.models.events import ServerStateChanged
from mcp_tui.ui.app import EngineEvent
from mcp_tui.ui.commands import parse_slash
from mcp_tui.ui.widgets.chat import InfoNote
from mcp_tui.ui.widgets.sidebar import ServerList, ServerRow
from tests.engine_helpers import UNRULY, unruly_server
from tests.support.limits import GENEROUS
from tests.ui_helpers import make_app, until


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
