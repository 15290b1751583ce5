"""API keys (flag or environment) and server env values never reach session files, logs,
exports or the screen — even when a tool sends one back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mcp_tui.config.models import ServerConfig
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from tests.engine_helpers import UNRULY
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn, until, on_top

FLAG_KEY = "sk-flag-secret-4242"
ENV_KEY = "sk-env-secret-8484"
SERVER_SECRET = "srv-env-secret-1717"


def files_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_headless_sessions_logs_and_exports_hold_no_secret(tmp_path, openai_server):
    home = tmp_path / "home"
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY], "env": {"API_TOKEN": SERVER_SECRET}}}}))
    openai_server.enqueue(
        tool_calls(call("u__env_value", {"name": "API_TOKEN"}, id="t1")), text(f"the token is {SERVER_SECRET}"),
        text(f"and your key is {ENV_KEY}"),
    )
    env = {**os.environ, "MCP_TUI_HOME": str(home), "OPENAI_API_KEY": ENV_KEY}
    base = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--config", str(config), "--approve", "auto"]
    first = subprocess.run([*base, "--api-key", FLAG_KEY, "--prompt", "what is the token?"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    second = subprocess.run([*base, "--resume", "--prompt", "and my key?"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert openai_server.request_headers[0]["authorization"] == f"Bearer {FLAG_KEY}"  # the keys were really used
    assert openai_server.request_headers[-1]["authorization"] == f"Bearer {ENV_KEY}"
    session_id = next((home / "data" / "sessions").glob("*.jsonl")).stem
    exported = subprocess.run([sys.executable, "-m", "mcp_tui", "--export", session_id, "--format", "json"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    assert exported.returncode == 0 and "the token is" in exported.stdout
    everything = files_under(home) + first.stdout + first.stderr + second.stdout + second.stderr + exported.stdout
    for secret in (FLAG_KEY, ENV_KEY, SERVER_SECRET):
        assert secret not in everything, secret
    assert "•••" in exported.stdout


async def test_the_screen_masks_a_server_secret_sent_back_by_a_tool(openai_server):
    openai_server.enqueue(tool_calls(call("u__env_value", {"name": "API_TOKEN"}, id="t1")), text(f"it is {SERVER_SECRET}"))
    server = ServerConfig(name="u", command=sys.executable, args=[UNRULY], env={"API_TOKEN": SERVER_SECRET})
    app = make_app(openai_server.base_url, [server], approve="auto", api_key=__import__("pydantic").SecretStr(FLAG_KEY))
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "token?")
        assert SERVER_SECRET not in app.export_screenshot()
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        shown = app.export_screenshot()
        assert SERVER_SECRET not in shown and "•••" in shown


async def test_a_secret_split_across_streamed_pieces_is_still_masked(openai_server, make_engine):
    from pydantic import SecretStr

    from tests.engine_helpers import run

    openai_server.enqueue(text("your key is sk-fl", "ag-secret-", "4242 ok", " and that is all"))
    engine = await make_engine(api_key=SecretStr(FLAG_KEY))
    events = await run(engine, "what is my key?")
    shown = "".join(e.text for e in events if e.type == "text_delta")
    assert shown == "your key is ••• ok and that is all" and events[-1].content == shown
    assert engine.context.history.messages[-1].content == f"your key is {FLAG_KEY} ok and that is all"  # the model's own words stay
    assert FLAG_KEY not in engine.recorder.writer.path.read_text()


QUOTED_SECRET = 'srv-"quoted\\secret-2323'  # a " and a \ : JSON writes it escaped


def test_a_secret_repeated_in_tool_arguments_is_masked_in_every_form(tmp_path, openai_server):
    """The model sends the server's secret back as a tool argument: headless stderr, the
    session file and both exports hold it in no form (raw, JSON-escaped, escaped twice)."""
    home = tmp_path / "home"
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY], "env": {"API_TOKEN": QUOTED_SECRET}}}}))
    openai_server.enqueue(tool_calls(call("u__echo", {"text": QUOTED_SECRET}, id="e1")), text("echoed"))
    env = {**os.environ, "MCP_TUI_HOME": str(home)}
    base = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--api-key", FLAG_KEY]
    run = subprocess.run([*base, "--config", str(config), "--approve", "auto", "--prompt", "echo it"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    assert run.returncode == 0, run.stderr
    assert "u.echo" in run.stderr and "•••" in run.stderr  # the call is shown, its argument masked
    session_id = next((home / "data" / "sessions").glob("*.jsonl")).stem
    exports = [subprocess.run([sys.executable, "-m", "mcp_tui", "--export", session_id, "--format", fmt], capture_output=True, text=True, timeout=GENEROUS, env=env).stdout for fmt in ("md", "json")]
    everything = files_under(home) + run.stdout + run.stderr + "".join(exports)
    forms = {QUOTED_SECRET, json.dumps(QUOTED_SECRET)[1:-1], json.dumps(json.dumps(QUOTED_SECRET)[1:-1])[1:-1], "quoted\\secret", 'quoted\\\\secret'}
    for form in forms:
        assert form not in everything, form
    assert "echoed" in exports[0] and "•••" in exports[1]


async def test_the_approval_dialog_detail_view_and_save_mask_argument_secrets(openai_server, tmp_path):
    from mcp_tui import paths
    from mcp_tui.ui.screens.approval import ApprovalScreen
    from tests.ui_helpers import say

    openai_server.enqueue(tool_calls(call("u__fail", {"token": QUOTED_SECRET}, id="f1")), text("ok"))
    server = ServerConfig(name="u", command=sys.executable, args=[UNRULY], env={"API_TOKEN": QUOTED_SECRET})
    app = make_app(openai_server.base_url, [server], approve="ask")
    async with app.run_test(size=(120, 40)) as pilot:
        await say(pilot, "go")
        await until(pilot, lambda: on_top(app, ApprovalScreen))
        await pilot.pause()
        shown = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "quoted" not in shown and "•••" in shown
        await pilot.press("y")
        await until(pilot, lambda: not app.engine.busy)
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        assert "quoted" not in app.export_screenshot()
        await pilot.press("escape")
        exports = paths.ensure(paths.data_dir() / "exports")
        before = set(exports.iterdir())  # other tests of this process may have written some
        await say(pilot, "/save")
        await until(pilot, lambda: len(set(exports.iterdir()) - before) == 1)
        await say(pilot, "/export md")
        await until(pilot, lambda: len(set(exports.iterdir()) - before) == 2)
    written = "\n".join(p.read_text() for p in set(exports.iterdir()) - before)
    assert "token" in written and "quoted" not in written
