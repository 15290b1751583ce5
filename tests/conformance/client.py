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
    if kind == "string" and schema.get("format") in ("uri", "url"):
        return "https://example.com/"
    return {"number": 1, "integer": 1, "boolean": True, "array": [], "string": "test"}.get(kind, "test")


def every_tool_once(body: dict[str, Any], given: dict[str, dict[str, Any]] | None = None):
    """First request: call each offered tool (with `given` arguments for some); after the results: a short answer."""
    messages = body.get("messages") or [{}]
    # Tool results came back (images may follow them as a user message): the turn is done.
    if any(m.get("role") == "tool" for m in messages):
        return text_in("Done.", 2)
    tools = [t.get("function", {}) for t in body.get("tools") or []]
    if not tools:
        return text_in("No tools were offered.", 2)
    given = given or {}
    return tool_calls(*(call(t["name"], given.get(t["name"]) or example_value(t.get("parameters") or {})) for t in tools))


# The suite's authorization servers accept this client ID metadata document URL (CIMD);
# a real user would give the https address where their client's document is published.
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"


def config_for(url: str, scenario: str, context: dict[str, Any]) -> dict[str, Any]:
    """The server_config.json entry for the suite's server: its OAuth keys are what a user
    would write for such a server, taken from the suite's context."""
    entry: dict[str, Any] = {"url": url, "type": "http"}
    if "idp_id_token" in context:  # enterprise-managed authorization (SEP-990)
        entry["oauth"] = {
            "grant_type": "identity_assertion", "client_id": context["client_id"],
            "client_secret": context["client_secret"], "token_endpoint_auth_method": "client_secret_basic",
            "issuer": authorization_server(url),
            "idp": {"token_endpoint": context["idp_token_endpoint"], "client_id": context.get("idp_client_id"),
                    "id_token": context["idp_id_token"]},
        }
    elif "client-credentials" in scenario:  # machine-to-machine: no browser
        entry["oauth"] = {"grant_type": "client_credentials", "client_id": context["client_id"]}
        if "private_key_pem" in context:
            entry["oauth"] |= {"private_key": context["private_key_pem"], "signing_algorithm": context.get("signing_algorithm", "RS256")}
        else:
            entry["oauth"] |= {"client_secret": context["client_secret"], "token_endpoint_auth_method": "client_secret_basic"}
    elif "client_id" in context:  # a client registered beforehand with the authorization server
        entry["oauth"] = {"client_id": context["client_id"], "client_secret": context.get("client_secret")}
    else:
        entry["oauth"] = {"client_metadata_url": CLIENT_METADATA_URL}
    return entry


def authorization_server(url: str) -> str:
    """The issuer the server's protected resource metadata names: what a user configuring
    enterprise-managed authorization copies from their administrator."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}/.well-known/oauth-protected-resource{parts.path}", timeout=30) as reply:
        return json.loads(reply.read())["authorization_servers"][0]


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
