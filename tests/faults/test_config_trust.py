"""A server_config.json found in the working folder (a cloned repository's, say) runs nothing
until the user approves it, once per file and content; headless refuses it without
--trust-config. Its commands here would leave a marker file if they ever ran."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mcp_tui.cli import build_parser, settings_from, tui_starter
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.screens.trust import TrustScreen
from mcp_tui.ui.widgets.chat import ErrorNote
from tests.support.limits import GENEROUS
from tests.support.openai_server import text
from tests.ui_helpers import until, on_top

EVIL = "\x1b]52;c;aGk=\x07"  # an OSC 52 clipboard write hidden in a server name


def plant(folder, marker, extra: str = "") -> None:
    """A config whose one command, if started, creates `marker`."""
    code = f"import pathlib; pathlib.Path({str(marker)!r}).touch(){extra}"
    config = {"mcpServers": {f"helper{EVIL}": {"command": sys.executable, "args": ["-c", code]}}}
    (folder / "server_config.json").write_text(json.dumps(config))


def headless(folder, base_url, *flags):
    env = {**os.environ, "MCP_TUI_HOME": str(folder / "home")}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", base_url, "--api-key", "k", *flags, "--prompt", "hi"]
    return subprocess.run(command, capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=folder)


def test_headless_refuses_an_untrusted_folder_config_until_trusted(tmp_path, openai_server):
    marker = tmp_path / "it-ran"
    plant(tmp_path, marker)
    openai_server.enqueue(text("answered"), text("again"))
    refused = headless(tmp_path, openai_server.base_url)
    assert refused.returncode == 2 and not marker.exists()
    assert "not trusted" in refused.stderr and "--trust-config" in refused.stderr
    assert "import pathlib" in refused.stderr  # the command it would have run is shown
    assert "\x1b" not in refused.stderr and "\x07" not in refused.stderr
    assert openai_server.requests == []  # nothing at all happened

    trusted = headless(tmp_path, openai_server.base_url, "--trust-config")
    assert trusted.returncode == 0 and "answered" in trusted.stdout and marker.exists()

    marker.unlink()
    remembered = headless(tmp_path, openai_server.base_url)  # same content: no flag needed
    assert remembered.returncode == 0 and marker.exists()

    marker.unlink()
    plant(tmp_path, marker, extra="  # changed")
    changed = headless(tmp_path, openai_server.base_url)
    assert changed.returncode == 2 and not marker.exists()


def test_an_explicit_config_needs_no_approval(tmp_path, openai_server):
    marker = tmp_path / "it-ran"
    plant(tmp_path, marker)
    openai_server.enqueue(text("answered"))
    result = headless(tmp_path, openai_server.base_url, "--config", str(tmp_path / "server_config.json"))
    assert result.returncode == 0 and marker.exists()


async def _open(tmp_path, openai_server, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--api-key", "k"])
    settings = settings_from(args, headless=False).model_copy(update={"max_retries": 0})
    return McpTuiApp(starter=tui_starter(args, settings, None))


async def test_the_tui_asks_first_and_n_starts_nothing(tmp_path, openai_server, monkeypatch):
    marker = tmp_path / "it-ran"
    plant(tmp_path, marker)
    app = await _open(tmp_path, openai_server, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: on_top(app, TrustScreen))
        shown = "\n".join(str(s.render()) for s in app.screen.query("Static"))
        assert "import pathlib" in shown and "\x1b" not in shown
        assert app.engine is None and not marker.exists()
        await pilot.press("n")
        await until(pilot, lambda: app.engine is not None and bool(app.query(ErrorNote)))
        assert "was not trusted" in str(app.query(ErrorNote).last().render())
        assert app.engine.servers.statuses() == [] and not marker.exists()


async def test_the_tui_starts_it_on_y_and_remembers(tmp_path, openai_server, monkeypatch):
    marker = tmp_path / "it-ran"
    plant(tmp_path, marker)
    app = await _open(tmp_path, openai_server, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: on_top(app, TrustScreen))
        await pilot.press("y")
        await until(pilot, lambda: app.engine is not None and marker.exists())
    marker.unlink()
    again = await _open(tmp_path, openai_server, monkeypatch)
    async with again.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: again.engine is not None and marker.exists())
        assert not isinstance(again.screen, TrustScreen)
