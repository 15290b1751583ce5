"""`mcp-tui --prompt` as a user runs it: a real process, real chuk-llm, a real time server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mcp_tui.models.events import parse_event
from mcp_tui.models.messages import validate_llm_messages
from tests.engine_helpers import time_server
from tests.support.limits import GENEROUS
from tests.support.openai_server import error, tool_echo_responder


def mcp_tui(tmp_path, base_url: str, *args: str, stdin: str | None = None, key: str = "sk-test-headless-key") -> subprocess.CompletedProcess:
    config = tmp_path / "server_config.json"
    server = time_server()
    config.write_text(json.dumps({"mcpServers": {"time": {"command": server.command, "args": server.args}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", base_url,
         "--api-key", key, "--config", str(config), *args],
        input=stdin, capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )


def test_prompt_answers_from_the_tool_and_exits_0(tmp_path, openai_server):
    openai_server.responder = tool_echo_responder
    result = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "what is the time in Asia/Tokyo")
    assert result.returncode == 0, result.stderr
    assert "From the tool:" in result.stdout and "Asia/Tokyo" in result.stdout
    tool_lines = [line for line in result.stderr.splitlines() if line.startswith("⚙")]
    assert len(tool_lines) == 1 and "time.get_current_time" in tool_lines[0] and "✓" in tool_lines[0]
    assert result.stderr.strip() == tool_lines[0]  # nothing else: libraries log to the file
    follow_up = openai_server.requests[-1]["messages"]
    validate_llm_messages(follow_up)
    assert follow_up[-2]["tool_calls"][0]["function"]["name"] == "time__get_current_time"
    assert follow_up[-1]["role"] == "tool" and "Asia/Tokyo" in follow_up[-1]["content"]
    log = (tmp_path / "home" / "logs" / "mcp-tui.log").read_text()
    assert "sk-test-headless-key" not in log


def test_json_mode_prints_every_event_and_reads_stdin(tmp_path, openai_server):
    openai_server.responder = tool_echo_responder
    result = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "-", "--json", stdin="time in Europe/Paris please")
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    types = [e.type for e in events]
    assert types[-1] == "turn_finished"
    for expected in ("server_state", "tool_requested", "tool_started", "tool_finished", "text_delta", "usage_updated"):
        assert expected in types
    assert types.index("tool_requested") < types.index("tool_started") < types.index("tool_finished")


@pytest.mark.parametrize("status,exit_code", [(401, 1)])
def test_provider_error_exits_non_zero_with_what_to_do(tmp_path, openai_server, status, exit_code):
    openai_server.enqueue(*[error(status)] * 8)
    result = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "hello")
    assert result.returncode == exit_code
    assert "error:" in result.stderr and "--api-key" in result.stderr
    assert "sk-test-headless-key" not in result.stderr + result.stdout


def test_empty_prompt_is_refused(tmp_path, openai_server):
    result = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "-", stdin="  \n")
    assert result.returncode == 2 and "empty" in result.stderr
