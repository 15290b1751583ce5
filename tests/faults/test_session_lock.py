"""Two instances on one session (`--resume` twice): the first keeps the file; the second
continues as a new session, a copy up to that point, and says so. Neither file mixes the
two conversations, and each resumes into a valid history."""

from __future__ import annotations

import os
import subprocess
import sys

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import Message, MessageRole, ToolCall
from mcp_tui.store.session_file import SessionWriter, find_session, read_session
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.chat import ErrorNote
from tests.engine_helpers import assert_every_request_valid, engine_settings, run
from tests.faults.helpers import assert_nothing_lost, resumed, resumes_validly
from tests.support.limits import GENEROUS
from tests.support.openai_server import text
from tests.ui_helpers import until


def session_killed_mid_tools() -> str:
    """What a SIGKILL while a tool runs leaves: a call with no tool message yet."""
    writer = SessionWriter()
    writer.write("meta", provider="openai", model="test-model")
    writer.message(Message(role=MessageRole.USER, content="echo something"))
    writer.message(Message(role=MessageRole.ASSISTANT, tool_calls=[ToolCall(id="e1", name="u__echo", arguments='{"text": "x"}')]))
    writer.close()
    return writer.session_id


async def test_a_second_engine_on_an_open_session_forks_it(tmp_path, monkeypatch, openai_server):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path / "home"))
    original = session_killed_mid_tools()
    openai_server.enqueue(text("A one"), text("B one"), text("A two"))
    first, second = resumed(openai_server, original), resumed(openai_server, original)
    await first.start()
    await second.start()
    try:
        fork = second.recorder.session_id
        assert first.recorder.session_id == original and fork != original
        assert any(original in n and fork in n and "another" in n for n in second.notices), second.notices
        await run(first, "from A")
        await run(second, "from B")
        await run(first, "A again")
        assert_nothing_lost(first, openai_server)
        assert_nothing_lost(second, openai_server)
    finally:
        await first.aclose()
        await second.aclose()
    users = {s: [m.content for m in find_session(s).messages if m.role is MessageRole.USER] for s in (original, fork)}
    assert users == {original: ["echo something", "from A", "A again"], fork: ["echo something", "from B"]}
    assert read_session(find_session(fork).path).meta.get("forked_from") == original
    for session_id in (original, fork):
        await resumes_validly(openai_server, session_id)


async def test_headless_on_a_session_open_elsewhere_forks_and_says_so(tmp_path, monkeypatch, openai_server):
    home = tmp_path / "home"
    monkeypatch.setenv("MCP_TUI_HOME", str(home))
    original = session_killed_mid_tools()
    holder = resumed(openai_server, original)  # another instance, in this process, keeps it open
    await holder.start()
    before = find_session(original).path.read_bytes()
    try:
        (tmp_path / "none.json").write_text('{"mcpServers": {}}')
        openai_server.enqueue(text("the other instance answers"))
        command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url,
                   "--api-key", "sk-lock-key-1", "--config", str(tmp_path / "none.json"), "--resume", original, "--prompt", "from B"]
        result = subprocess.run(command, env={**os.environ, "MCP_TUI_HOME": str(home)}, capture_output=True, text=True, timeout=GENEROUS)
        assert result.returncode == 0, result.stderr
        assert "the other instance answers" in result.stdout
        said = [line for line in result.stderr.splitlines() if "another" in line and original in line]
        assert len(said) == 1, result.stderr
        assert find_session(original).path.read_bytes() == before  # only the holder writes there
    finally:
        await holder.aclose()
    assert_every_request_valid(openai_server)
    forks = [p.stem for p in (home / "data" / "sessions").glob("*.jsonl") if p.stem != original]
    assert len(forks) == 1 and forks[0] in said[0]
    assert [m.content for m in find_session(forks[0]).messages if m.role is MessageRole.USER] == ["echo something", "from B"]
    await resumes_validly(openai_server, forks[0])


async def test_tui_on_a_session_open_elsewhere_shows_the_fork(tmp_path, monkeypatch, openai_server):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path / "home"))
    original = session_killed_mid_tools()
    holder = resumed(openai_server, original)
    await holder.start()
    try:
        app = McpTuiApp(resumed(openai_server, original))
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: any("another" in str(n.render()) for n in app.query(ErrorNote)))
            fork = app.engine.recorder.session_id
            assert fork != original
            note = next(str(n.render()) for n in app.query(ErrorNote) if "another" in str(n.render()))
            assert original in note and fork in note
    finally:
        await holder.aclose()
