"""An answer the provider ended at the model's output limit (`finish_reason: length`) is not
a complete answer: it is marked cut on both faces and in the session file, and a tool call
whose arguments were cut is answered with a tool message instead of being run."""

from __future__ import annotations

import io

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.headless import run_headless
from mcp_tui.models.events import ToolCallFailed, ToolCallFinished, TurnFinished
from mcp_tui.store.session_file import read_session
from mcp_tui.ui.widgets.chat import AssistantMessage, ErrorNote
from tests.engine_helpers import engine_settings, run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn

CUT = "the answer was cut at the model's output limit (finish_reason: length)"


async def test_a_cut_answer_is_marked_and_kept(openai_server, make_engine):
    openai_server.enqueue(text("The first half of a long ", finish="length"), text("complete"))
    engine = await make_engine()
    events = await run(engine, "write a lot")
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.content == "The first half of a long "
    assert finished.cut == CUT
    saved = read_session(engine.recorder.writer.path).messages[-1]
    assert (saved.content, saved.interrupted, saved.stop_reason) == ("The first half of a long ", True, "length")
    assert (await run(engine, "again"))[-1].cut is None  # a normal end is not marked
    assert_nothing_lost(engine, openai_server)


async def test_headless_says_the_answer_was_cut(openai_server):
    openai_server.enqueue(text("Half of it", finish="length"))
    engine = ChatEngine(engine_settings(openai_server.base_url), [])
    out, err = io.StringIO(), io.StringIO()
    await run_headless(engine, "write a lot", out=out, err=err)
    assert out.getvalue() == "Half of it\n"
    assert CUT in err.getvalue()


async def test_the_tui_says_the_answer_was_cut(openai_server):
    openai_server.enqueue(text("Half of it", finish="length"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "write a lot")
        await pilot.pause()
        assert app.query(AssistantMessage).last().text == "Half of it"
        assert any(CUT in str(note.render()) for note in app.query(ErrorNote))


async def test_a_tool_call_cut_by_length_is_not_run(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "whole"}, id="ok"), call("u__echo", '{"text": "unfinis', id="cut"), finish="length"),
        text("I will call it again with less"),
    )
    engine = await make_engine([unruly_server()])
    events = await run(engine, "go")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["whole"]  # complete arguments run
    failed = [e for e in events if isinstance(e, ToolCallFailed)]
    assert [(e.call_id, e.kind) for e in failed] == [("cut", "invalid_arguments")]
    assert "output limit" in failed[0].error
    told = {m["tool_call_id"]: m["content"] for m in openai_server.requests[-1]["messages"] if m["role"] == "tool"}
    assert "cut at the model's output limit" in told["cut"] and told["ok"] == "whole"
    assert events[-1].content == "I will call it again with less"
    assert_nothing_lost(engine, openai_server)
