"""Rewinding a conversation (/clear, retry, edit) and forking it: in the engine and in the
session file, against the local SSE server with the real chuk-llm client."""

from __future__ import annotations

import pytest

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import Message, MessageRole
from mcp_tui.store.session_file import SessionWriter, read_session
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.chat import ToolChip, UserMessage
from mcp_tui.ui.widgets.token_gauge import TokenGauge
from tests.engine_helpers import engine_settings, run, unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, say, turn, until

SIZE = (120, 40)


def roles(app) -> list[str]:
    return [m.role.value for m in app.engine.context.history.messages]


def test_read_session_applies_rewind_records_and_old_files_read_as_before(tmp_path):
    writer = SessionWriter("r1", folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    for i in range(3):
        writer.message(Message(role=MessageRole.USER, content=f"q{i}"))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"a{i}"))
    writer.write("segment", segment=2, summary="first two turns", start=4, tokens=10, cost=0.0)
    assert [m.content for m in read_session(writer.path).messages] == ["q0", "a0", "q1", "a1", "q2", "a2"]  # no rewind: as before
    writer.write("rewind", keep=3)  # into the first segment: the roll after it goes too
    writer.message(Message(role=MessageRole.ASSISTANT, content="a1 again"))
    writer.write("rewind", keep="three")  # damaged: skipped, said
    writer.close()
    record = read_session(writer.path)
    assert [m.content for m in record.messages] == ["q0", "a0", "q1", "a1 again"]
    assert record.segments == []
    assert len(record.warnings) == 1 and "damaged last line" in record.warnings[0]


async def test_rewind_cuts_history_segments_and_context_and_is_refused_mid_turn(openai_server, make_engine):
    openai_server.enqueue(text("one"), text("two"), text("SUMMARY"), text("three"), text(*["slow "] * 50, stall=True))
    engine = await make_engine()
    await run(engine, "first")
    await run(engine, "second")
    await engine.compact()
    await run(engine, "third")
    context = engine.context
    full = context.token_stats.context_tokens
    assert context.token_stats.segments == 2
    engine.rewind(2)  # back into the first segment: its summary is no longer sent
    assert [m.content for m in context.history.messages[1:]] == ["first", "one"]
    assert context.summaries == [] and context.token_stats.segments == 1
    assert context.token_stats.context_tokens < full
    assert context.summary_text() == ""
    turn = engine.run_turn("slow please")
    await anext(turn)  # the turn's first event: it runs now, and its answer stalls
    assert engine.busy
    with pytest.raises(RuntimeError):
        engine.rewind(0)
    engine.cancel()
    async for _ in turn:  # to its end, cancelled
        pass
    engine.rewind(0)
    assert [m.role for m in context.history.messages] == [MessageRole.SYSTEM]
    record = read_session(engine.recorder.writer.path)
    assert record.messages == [] and record.segments == []


async def test_fork_starts_a_new_file_with_the_first_messages_and_leaves_the_original(openai_server, make_engine):
    openai_server.enqueue(text("one"), text("two"), text("in the fork"))
    engine = await make_engine()
    await run(engine, "first")
    await run(engine, "second")
    original = engine.recorder.writer.path
    recorder = await engine.fork(2)
    assert recorder.writer.path != original and recorder.writer.path.parent == original.parent
    await run(engine, "forked question")
    assert [m.content for m in read_session(original).messages] == ["first", "one", "second", "two"]
    fork = read_session(recorder.writer.path)
    assert [m.content for m in fork.messages] == ["first", "one", "forked question", "in the fork"]
    assert fork.meta["forked_from"] == original.stem and fork.usage is not None
    sent = openai_server.requests[-1]["messages"]
    assert [m["content"] for m in sent[1:]] == ["first", "one", "forked question"]


async def test_clear_is_saved_a_resume_brings_nothing_back_and_the_gauge_resets(openai_server):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "old"}, id="o1")), text("old answer"), text("new answer"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "old question")
        gauge = app.query_one(TokenGauge)
        full = gauge.used
        await say(pilot, "/clear")
        await until(pilot, lambda: roles(app) == ["system"] and not app.query(ToolChip))
        await until(pilot, lambda: gauge.used < full)
        assert not app.query_one("#timeline").records
        path = app.engine.recorder.writer.path
    record = read_session(path)
    assert record.messages == []
    resumed = McpTuiApp(ChatEngine(engine_settings(openai_server.base_url), [], resume=record))
    async with resumed.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: resumed.engine.recorder is not None and not resumed.engine.busy and pilot.app.query(".info"))
        await turn(pilot, "a new start")
        sent = openai_server.requests[-1]["messages"]
        assert [m["role"] for m in sent] == ["system", "user"] and sent[-1]["content"] == "a new start"
        assert not [w for w in resumed.query(UserMessage) if "old question" in str(w.render())]
    await resumed.engine.aclose()


async def test_load_is_saved_so_a_resume_brings_back_what_was_loaded(openai_server, tmp_path):
    from mcp_tui.models.messages import ConversationHistory
    from mcp_tui.store.export import to_json

    saved = tmp_path / "saved.json"
    saved.write_text(to_json(ConversationHistory(messages=[Message(role=MessageRole.USER, content="loaded question"), Message(role=MessageRole.ASSISTANT, content="loaded answer")]), {}))
    openai_server.enqueue(text("old answer"), text("after the load"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "old question")
        await say(pilot, f"/load {saved}")
        await until(pilot, lambda: roles(app) == ["system", "user", "assistant"])
        await turn(pilot, "go on")
        path = app.engine.recorder.writer.path
    assert [m.content for m in read_session(path).messages] == ["loaded question", "loaded answer", "go on", "after the load"]
