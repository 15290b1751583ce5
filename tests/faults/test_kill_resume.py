"""SIGKILL while tools run, then --resume: every completed step is there, the unfinished
call is answered as interrupted, and the session goes on with a valid history.
(SIGKILL while the answer streams: tests/test_sessions.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from mcp_tui.models.messages import MessageRole
from mcp_tui.store.session_file import find_session
from tests.engine_helpers import UNRULY, resumed_request
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls


def command(tmp_path, base_url: str, *args: str) -> tuple[list[str], dict]:
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY]}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")}
    base = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", base_url,
            "--api-key", "sk-kill-tools-key", "--config", str(config), "--approve", "auto"]
    return base + list(args), env


def test_sigkill_with_tools_running_then_resume(tmp_path, openai_server):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "done before"}, id="e1")),
        tool_calls(call("u__slow", {"seconds": 60, "steps": 60}, id="s1"), call("u__echo", {"text": "fast"}, id="e2")),
        text("resumed and fine"),
    )
    cmd, env = command(tmp_path, openai_server.base_url, "--prompt", "work")
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + GENEROUS
    sessions = tmp_path / "home" / "data" / "sessions"
    while time.monotonic() < deadline:  # until the fast call of round two is saved
        record = find_session(None, sessions) if sessions.is_dir() else None
        if record and any(m.tool_call_id == "e2" for m in record.messages):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the second round never started")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(GENEROUS)

    record = find_session(None, sessions)
    steps = [(m.role, m.tool_call_id) for m in record.messages]
    assert steps == [
        (MessageRole.USER, None), (MessageRole.ASSISTANT, None), (MessageRole.TOOL, "e1"),
        (MessageRole.ASSISTANT, None), (MessageRole.TOOL, "e2"),
    ]
    assert record.messages[2].content == "done before" and [c.id for c in record.messages[3].tool_calls] == ["s1", "e2"]

    sent = resumed_request(*command(tmp_path, openai_server.base_url, "--resume", record.session_id, "--prompt", "go on"), openai_server, "resumed and fine")
    interrupted = next(m for m in sent if m.get("tool_call_id") == "s1")
    assert "stopped before this tool finished" in interrupted["content"]
    assert "sk-kill-tools-key" not in record.path.read_text()
