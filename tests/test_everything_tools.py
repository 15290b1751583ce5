"""server-everything's whole tool list, including the tools it registers only for clients that
declare roots, elicitation and sampling, run headless through the real app: the model (a local
OpenAI-compatible server) calls every tool it is offered once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mcp_tui.models.events import ToolCallFailed, ToolCallFinished, ToolCallRequested
from tests.conformance.client import every_tool_once
from tests.support.limits import GENEROUS
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import OpenAIServer

# Registered only for a client that declares the capability (roots, elicitation, sampling).
CAPABILITY_TOOLS = {"get-roots-list", "trigger-elicitation-request", "trigger-sampling-request"}


def test_every_tool_of_server_everything_runs_headless(tmp_path):
    config = tmp_path / "server_config.json"
    entry = {"command": "node", "args": [str(everything_entry())], "sampling": True}
    config.write_text(json.dumps({"mcpServers": {"everything": entry}}))
    with OpenAIServer(every_tool_once) as server:
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
