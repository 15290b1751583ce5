"""Shared test setup: every test run keeps its files in a temporary MCP_TUI_HOME."""

from __future__ import annotations

import os
import tempfile
import time

# Before anything imports chuk-llm: no Ollama discovery on localhost during tests.
os.environ.setdefault("CHUK_LLM_DISCOVERY_ENABLED", "false")
os.environ["TZ"] = "UTC"  # timeline clock times in snapshots
time.tzset()
os.environ["MCP_TUI_HOME"] = tempfile.mkdtemp(prefix="mcp-tui-tests-")
for _key in list(os.environ):
    # A developer's real keys must not leak into tests, nor pick the provider for them.
    if _key.endswith("_API_KEY") or _key in ("MCP_TUI_PROVIDER", "MCP_TUI_MODEL", "MCP_TUI_API_BASE"):
        os.environ.pop(_key, None)
os.environ["MCP_TUI_DEMO_DELAY"] = "0"  # the demo guide streams without pauses

from tests.support.fixtures import *  # noqa: E402,F401,F403  (the openai_server fixture)
