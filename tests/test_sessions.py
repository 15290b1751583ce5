"""Sessions: written as they happen, resumed whole, a SIGKILL loses only the streaming answer."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import MessageRole
from mcp_tui.store.session_file import find_session, read_session
from tests.engine_helpers import (
    engine_settings,
    resumed_request,
    run,
    time_server,
    unruly_server,
)
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls


async def test_every_step_is_saved_and_a_resume_brings_it_back(openai_server):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "saved"}, id="e1")), text("The echo said saved."),
        text("SUMMARY of segment one"),  # /compact
        text("after resume"),
    )
    engine = ChatEngine(engine_settings(openai_server.base_url), [unruly_server()])
    await engine.start()
    try:
        await run(engine, "echo saved")
        await engine.compact()
        session_id = engine.recorder.session_id
        stats = (await engine.context.get_token_stats()).model_copy()
    finally:
        await engine.aclose()
    record = find_session(session_id)
    assert stat.S_IMODE(record.path.stat().st_mode) == 0o600
    assert "test-key-0123" not in record.path.read_text()
    assert [m.role for m in record.messages] == [MessageRole.USER, MessageRole.ASSISTANT, MessageRole.TOOL, MessageRole.ASSISTANT]
    assert record.segments[0]["summary"] == "SUMMARY of segment one"

    resumed = ChatEngine(engine_settings(openai_server.base_url), [unruly_server()], resume=record)
    await resumed.start()
    try:
        restored = resumed.context
        assert [m.content for m in restored.history.messages[1:]] == [m.content for m in record.messages]
        assert restored.summaries == ["SUMMARY of segment one"]
        assert restored.token_stats.total_tokens == stats.total_tokens
        assert restored.token_stats.segments == 2
        await run(resumed, "still there?")
    finally:
        await resumed.aclose()
    sent = openai_server.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "system", "user"] and "SUMMARY of segment one" in sent[1]["content"]
    assert len(read_session(record.path).messages) == 6  # appended to the same file


def mcp_tui(tmp_path, base_url: str, *args: str, **kwargs):
    config = tmp_path / "server_config.json"
    server = time_server()
    config.write_text(json.dumps({"mcpServers": {"time": {"command": server.command, "args": server.args}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", base_url, "--api-key", "sk-kill-test-key", "--config", str(config), *args]
    return command, env


def test_sigkill_mid_stream_keeps_every_completed_step(tmp_path, openai_server):
    openai_server.enqueue(
        tool_calls(call("time__get_current_time", {"timezone": "Asia/Tokyo"}, id="t1")),
        text(*[f"streaming word {i} " for i in range(2000)], stall=True),
        text("resumed fine"),
    )
    command, env = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "time in Tokyo?")
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = process.stdout.read(40)  # the second answer is streaming once its words arrive
    assert b"streaming word" in first
    os.kill(process.pid, signal.SIGKILL)
    process.wait(GENEROUS)
    record = find_session(None, tmp_path / "home" / "data" / "sessions")
    roles = [m.role for m in record.messages]
    assert roles == [MessageRole.USER, MessageRole.ASSISTANT, MessageRole.TOOL]
    assert "Asia/Tokyo" in record.messages[2].content
    assert "sk-kill-test-key" not in record.path.read_text()

    sent = resumed_request(*mcp_tui(tmp_path, openai_server.base_url, "--resume", record.session_id, "--prompt", "go on"), openai_server, "resumed fine")
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "user"]


def test_list_and_export_from_the_command_line(tmp_path, openai_server):
    openai_server.enqueue(tool_calls(call("time__get_current_time", {"timezone": "Europe/Paris"}, id="t1")), text("It is late in Paris."))
    command, env = mcp_tui(tmp_path, openai_server.base_url, "--prompt", "what time is it in Paris?")
    assert subprocess.run(command, env=env, capture_output=True, timeout=GENEROUS).returncode == 0
    listing = subprocess.run([sys.executable, "-m", "mcp_tui", "--list-sessions"], env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert "what time is it in Paris?" in listing.stdout and "openai/m" in listing.stdout
    session_id = listing.stdout.splitlines()[1].split()[0]
    exported = subprocess.run([sys.executable, "-m", "mcp_tui", "--export", session_id, "--format", "md"], env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert "time__get_current_time" in exported.stdout and "Europe/Paris" in exported.stdout and "It is late in Paris." in exported.stdout
    as_json = subprocess.run([sys.executable, "-m", "mcp_tui", "--export", session_id, "--format", "json"], env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert [m["role"] for m in json.loads(as_json.stdout)["messages"]] == ["user", "assistant", "tool", "assistant"]
    missing = subprocess.run([sys.executable, "-m", "mcp_tui", "--resume", "nope"], env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert missing.returncode == 2 and "--list-sessions" in missing.stderr


async def test_a_long_saved_session_opens_with_its_end_and_home_brings_the_rest(tmp_path, monkeypatch):
    from mcp_tui.models.messages import Message
    from mcp_tui.store.session_file import SessionWriter, read_session
    from mcp_tui.ui.app import RECENT_MESSAGES, McpTuiApp
    from mcp_tui.ui.widgets.chat import (
        EarlierMessages,
        SavedAnswer,
        Transcript,
        UserMessage,
    )
    from tests.support.openai_server import refused_base_url

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    for i in range(100):
        writer.message(Message(role=MessageRole.USER, content=f"question {i}"))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"answer **{i}**"))
    writer.close()
    record = read_session(writer.path)
    app = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=record))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        transcript = app.query_one(Transcript)
        assert len(transcript.query(EarlierMessages)) == 1
        assert [str(w.render()) for w in transcript.query(UserMessage)][0] == f"question {100 - RECENT_MESSAGES // 2}"
        transcript.focus()
        await pilot.press("home")  # the first page, above the marker
        await pilot.pause()
        assert transcript.scroll_y == 0 and str(transcript.query(UserMessage).first().render()) == "question 0"
        marker = transcript.query_one(EarlierMessages)
        assert f"{200 - 2 * RECENT_MESSAGES:,} messages not shown" in str(marker.render())
        transcript.scroll_to_widget(marker, animate=False)
        await pilot.pause()
        await pilot.click(EarlierMessages)  # everything in between
        await pilot.pause()
        assert not transcript.query(EarlierMessages)
        assert [str(w.render()) for w in transcript.query(UserMessage)] == [f"question {i}" for i in range(100)]
        assert len(transcript.query(SavedAnswer)) == 100 - RECENT_MESSAGES // 2
    await app.engine.aclose()


async def test_a_resumed_session_is_drawn_while_the_engine_is_still_starting(tmp_path):
    import threading

    from mcp_tui.models.messages import Message
    from mcp_tui.store.session_file import SessionWriter, read_session
    from mcp_tui.ui.app import McpTuiApp
    from mcp_tui.ui.widgets.chat import UserMessage
    from tests.support.openai_server import refused_base_url
    from tests.ui_helpers import until

    writer = SessionWriter(folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    writer.message(Message(role=MessageRole.USER, content="the saved question"))
    writer.close()
    record = read_session(writer.path)
    release = threading.Event()

    def starter(confirm):
        release.wait(GENEROUS)
        return ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=record), []

    app = McpTuiApp(starter=starter, preview=record)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app.query(UserMessage)))
        assert app.engine is None and app.sub_title == "starting…"
        assert str(app.query(UserMessage).first().render()) == "the saved question"
        release.set()
        await until(pilot, lambda: app.engine is not None and app.sub_title.startswith(app.engine.context.model_label))
        await pilot.pause()
        assert len(app.query(UserMessage)) == 1  # drawn once, not again when the engine came
    await app.engine.aclose()
