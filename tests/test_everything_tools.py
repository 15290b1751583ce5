"""server-everything's whole tool list, including the tools it registers only for clients that
declare roots, elicitation and sampling, run headless through the real app: the model (a local
OpenAI-compatible server) calls every tool it is offered once."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from mcp_tui.models.events import ToolCallFailed, ToolCallFinished, ToolCallRequested
from tests.conformance.client import every_tool_once
from tests.support.limits import GENEROUS
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import OpenAIServer

# The default file is fetched from the internet, which tests do not have: a data: URI instead.
GIVEN = {"everything__gzip-file-as-resource": {"name": "hello.txt", "data": "data:text/plain;base64,aGVsbG8gd29ybGQ="}}

# Registered only for a client that declares the capability (roots, elicitation, sampling).
CAPABILITY_TOOLS = {"get-roots-list", "trigger-elicitation-request", "trigger-url-elicitation", "trigger-sampling-request"}


def test_every_tool_of_server_everything_runs_headless(tmp_path):
    config = tmp_path / "server_config.json"
    entry = {"command": "node", "args": [str(everything_entry())], "sampling": True}
    config.write_text(json.dumps({"mcpServers": {"everything": entry}}))
    with OpenAIServer(lambda body: every_tool_once(body, GIVEN)) as server:
        done = subprocess.run(
            [
                sys.executable, "-m", "mcp_tui", "--config", str(config), "--api-base", server.base_url,
                "--model", "gpt-4o-mini", "--api-key", "test", "--approve", "auto", "--elicit", "accept-defaults",
                "--json", "--prompt", "Run each of your tools once.",
            ],
            env={**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")},
            cwd=tmp_path, capture_output=True, text=True, timeout=GENEROUS * 4,
        )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    asked = {e["qualified_name"] for e in events if e["type"] == ToolCallRequested.model_fields["type"].default}
    offered = {t["function"]["name"] for t in server.requests[0]["tools"]}
    finished = {e["qualified_name"]: e for e in events if e["type"] == ToolCallFinished.model_fields["type"].default}
    failed = [f"{e['qualified_name']}: {e['error']}" for e in events if e["type"] == ToolCallFailed.model_fields["type"].default]
    assert done.returncode == 0, done.stderr[-2000:]
    assert {f"everything__{t}" for t in CAPABILITY_TOOLS} <= offered
    assert asked == offered and not failed, failed
    errors = {n: e["result"][:200] for n, e in finished.items() if e["is_error"]}
    assert not errors, errors


async def test_every_tool_of_server_everything_runs_from_the_tui(openai_server):
    """The same in the TUI: the form, the URL question and the sampling request are answered by keys."""
    from textual.widgets import Input

    from mcp_tui.config.models import ServerConfig
    from mcp_tui.ui.screens.elicitation import ElicitationScreen, UrlElicitationScreen
    from mcp_tui.ui.screens.sampling import SamplingScreen
    from mcp_tui.ui.widgets.timeline import ToolTimeline
    from tests.ui_helpers import make_app, on_top, say, settle, until

    openai_server.responder = lambda body: every_tool_once(body, GIVEN)
    server = ServerConfig(name="everything", command="node", args=[str(everything_entry())], sampling=True)
    app = make_app(openai_server.base_url, [server], approve="auto", persist=False)
    answered: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await say(pilot, "Run each of your tools once.")
        await until(pilot, lambda: app.engine.busy)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GENEROUS * 3
        pressed: dict[int, float] = {}  # a dialog's id -> when it was answered (a key pressed while it
        while app.engine.busy:  # was still being shown may be lost: it is answered again later)
            assert loop.time() < deadline, f"the turn did not end; answered {answered}, on top: {app.screen!r}"
            screen = app.screen
            due = loop.time() - pressed.get(id(screen), -1e9) > 3
            if due and on_top(app, ElicitationScreen):
                names = [f.name for f in screen.request.fields]
                screen.query_one(f"#field-{names.index('name')}", Input).value = "Ada"  # required, no default
                await pilot.press("ctrl+s")
                answered.append("form")
            elif due and on_top(app, UrlElicitationScreen):
                await pilot.press("enter")
                answered.append("url")
            elif due and on_top(app, SamplingScreen):
                await pilot.press("y")
                answered.append("sampling")
            else:
                await pilot.pause(0.05)
                continue
            pressed[id(screen)] = loop.time()
        records = list(app.query_one(ToolTimeline).records.values())
    offered = {t["function"]["name"] for t in openai_server.requests[0]["tools"]}
    assert {f"everything__{t}" for t in CAPABILITY_TOOLS} <= offered
    assert {"form", "sampling", "url"} == set(answered)
    assert len(records) == len(offered) and {r.state for r in records} == {"done"}, [(r.tool, r.state) for r in records]
