"""Config files that are broken, odd or incomplete: an error naming the file and the fix,
and the app still starts — in the TUI and headless."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mcp_tui.cli import build_parser, settings_from, tui_starter
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.chat import ErrorNote
from mcp_tui.ui.widgets.sidebar import ServerRow
from tests.engine_helpers import UNRULY
from tests.support.limits import GENEROUS
from tests.support.openai_server import text
from tests.ui_helpers import turn, until

CASES = {
    "bad-json": ('{"mcpServers": {"a": {"command": "x",}', ["invalid JSON at line 1", "fix the syntax there"]),
    "unknown-key": (json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY], "comand": "typo"}}}), ["unknown key 'comand' is ignored", "check its spelling"]),
    "missing-env": (json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY], "env": {"TOKEN": "${MCP_TUI_TEST_UNSET_VAR}"}}}}), ["MCP_TUI_TEST_UNSET_VAR"]),
    "relative-command": (json.dumps({"mcpServers": {"r": {"command": "./bin/not-here", "args": []}}}), ["not-here"]),
}


def write_config(tmp_path, name: str):
    path = tmp_path / "server_config.json"
    path.write_text(CASES[name][0])
    return path


@pytest.mark.parametrize("name", list(CASES))
async def test_the_tui_starts_and_names_the_file_and_the_fix(tmp_path, openai_server, name):
    path = write_config(tmp_path, name)
    openai_server.enqueue(text("still answering"))
    args = build_parser().parse_args(["--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--api-key", "k", "--config", str(path)])
    settings = settings_from(args, headless=False).model_copy(update={"max_retries": 0})
    app = McpTuiApp(starter=tui_starter(args, settings, None))  # as `mcp-tui` starts it
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.engine is not None)
        await app.engine.servers.wait_settled(GENEROUS)
        await pilot.pause()
        assert [s.name for s in app.engine.servers.statuses()] != ["time", "sqlite"]  # a config, even a broken one, replaces the bundled servers
        notes = [str(n.render()) for n in app.query(ErrorNote)]
        rows = {r.server_name: r for r in app.query(ServerRow)}
        shown = "\n".join(notes) + "\n".join(str(r.query_one("Label").render()) for r in rows.values())
        if name in ("missing-env", "relative-command"):  # the server is listed as failed with the reason
            shown += "\n".join(s.reason or "" for s in app.engine.servers.statuses())
        else:
            assert any(str(path) in n for n in notes)
        for expected in CASES[name][1]:
            assert expected in shown, expected
        await turn(pilot, "hello")  # the app works
        assert app.engine.context.history.messages[-1].content == "still answering"


def test_headless_names_the_file_on_stderr(tmp_path, openai_server):
    path = write_config(tmp_path, "bad-json")
    openai_server.enqueue(text("fine anyway"))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url,
         "--api-key", "k", "--config", str(path), "--prompt", "hi"],
        capture_output=True, text=True, timeout=GENEROUS, env=env,
    )
    assert result.returncode == 0 and "fine anyway" in result.stdout
    assert f"config error: {path}: invalid JSON at line 1" in result.stderr and "fix the syntax there" in result.stderr
