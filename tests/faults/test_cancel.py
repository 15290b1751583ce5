"""Esc during the stream, the approval or running tools, and Ctrl+Q mid-turn, through the TUI:
the partial answer kept and marked, every tool call answered, servers gone, nothing lost."""

from __future__ import annotations

import psutil

from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.widgets.chat import AssistantMessage
from tests.engine_helpers import unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, say, states, turn, until, on_top

SIZE = (120, 40)


def descendants() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


async def test_escape_mid_stream_keeps_and_marks_the_partial_answer(openai_server):
    openai_server.enqueue(text(*[f"word{i} " for i in range(400)], stall=True), text("short"))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "a long story")
        await until(pilot, lambda: "word5" in app.engine.context.history.messages[-1].content if len(app.engine.context.history.messages) > 2 else bool(app.query(AssistantMessage)) and "word5" in app.query(AssistantMessage).last().text)
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy)
        partial = app.engine.context.history.messages[-1]
        assert partial.interrupted and partial.content.startswith("word0")
        assert app.query(AssistantMessage).last().has_class("interrupted")
        await turn(pilot, "shorter")
        assert_nothing_lost(app.engine, openai_server)


async def test_escape_during_approval_answers_the_call_as_cancelled(openai_server):
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="a1")), text("next"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="ask")
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "needs approval")
        await until(pilot, lambda: on_top(app, ApprovalScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy and not isinstance(app.screen, ApprovalScreen))
        assert states(app) == ["cancelled"]
        tool = app.engine.context.history.messages[-1]
        assert tool.role.value == "tool" and tool.tool_call_id == "a1"
        assert len(openai_server.requests) == 1  # the turn stopped: the model was not asked again
        await turn(pilot, "go on")
        assert_nothing_lost(app.engine, openai_server)


async def test_escape_with_tools_running_answers_every_call(openai_server):
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h1"), call("u__slow", {"seconds": 30, "steps": 30}, id="s1")), text("after"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "run them")
        await until(pilot, lambda: states(app) == ["running", "running"])
        await pilot.press("escape")
        await until(pilot, lambda: not app.engine.busy)
        assert states(app) == ["cancelled", "cancelled"]
        answered = {m.tool_call_id for m in app.engine.context.history.messages if m.role.value == "tool"}
        assert answered == {"h1", "s1"}
        await turn(pilot, "and now")
        assert_nothing_lost(app.engine, openai_server)


async def test_ctrl_q_mid_turn_quits_cleanly_with_no_orphans(openai_server):
    before = descendants()
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h1")), text("never"))
    app = make_app(openai_server.base_url, [unruly_server(), unruly_server("v")], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        assert len(descendants() - before) >= 2  # both servers run as children
        await say(pilot, "hang")
        await until(pilot, lambda: states(app) == ["running"])
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, timeout=GENEROUS)
    assert descendants() - before == set()
    assert_nothing_lost(app.engine)  # the call was answered (cancelled) and saved before the exit
    assert app.engine.context.history.messages[-1].tool_call_id == "h1"
