"""The client command the conformance suite runs: `python -m tests.conformance.client URL`.

It drives the real app headless (`mcp-tui --prompt … --json`) against the suite's server at URL,
with a local OpenAI-compatible model that calls every tool it is offered once, so each scenario's
tool is exercised. The scenario name and its context (client credentials …) come from the
environment, as the suite sets them; `config_for` turns them into the server's config entry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.support.openai_server import OpenAIServer, call, text_in, tool_calls

SERVER = "conf"
PROMPT = "Run each of your tools once."


def example_value(schema: dict[str, Any]) -> Any:
    """A value a tool accepts for `schema`: its default, first enum member, or a small one of its type."""
    if "default" in schema:
        return schema["default"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties") or {}
        return {k: example_value(v) for k, v in props.items() if k in (schema.get("required") or [])}
    return {"number": 1, "integer": 1, "boolean": True, "array": [], "string": "test"}.get(kind, "test")


def every_tool_once(body: dict[str, Any]):
    """First request: call each offered tool; after the results: a short answer."""
    messages = body.get("messages") or [{}]
    if messages[-1].get("role") == "tool":
        return text_in("Done.", 2)
    tools = [t.get("function", {}) for t in body.get("tools") or []]
    if not tools:
        return text_in("No tools were offered.", 2)
    return tool_calls(*(call(t["name"], example_value(t.get("parameters") or {})) for t in tools))


def config_for(url: str, scenario: str, context: dict[str, Any]) -> dict[str, Any]:
    """The server_config.json entry for the suite's server."""
    return {"url": url, "type": "http"}


def main(argv: list[str]) -> int:
    url = argv[-1]
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    with tempfile.TemporaryDirectory(prefix="mcp-tui-conformance-") as tmp:
        home = Path(tmp)
        config = home / "server_config.json"
        config.write_text(json.dumps({"mcpServers": {SERVER: config_for(url, scenario, context)}}))
        env = {
            **os.environ,
            "MCP_TUI_HOME": str(home / "home"),
            # The authorization step "opens the browser": this one follows the redirects headless.
            "BROWSER": f"{sys.executable} -m tests.conformance.browser %s",
        }
        server = OpenAIServer(every_tool_once).start()
        try:
            cmd = [
                sys.executable, "-m", "mcp_tui", "--config", str(config), "--api-base", server.base_url,
                "--model", "gpt-4o-mini", "--api-key", "conformance", "--approve", "auto",
                "--elicit", "accept-defaults",
                "--json", "--prompt", PROMPT,
            ]
            done = subprocess.run(cmd, env=env, cwd=Path(__file__).resolve().parents[2], timeout=120)
        finally:
            server.stop()
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
