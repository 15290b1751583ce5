"""A tool answer the client cannot read (cut-off JSON, a result that is not an object, a
result that is not a CallToolResult) fails that call at once with the reason, instead of
waiting for the whole tool timeout; the other calls and the server go on."""

from __future__ import annotations

import asyncio

from mcp_tui.models.events import ToolCallFailed, ToolCallFinished, TurnFinished
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls

KINDS = ["not-json", "not-a-result", "bad-call-result"]  # see UNREADABLE_ANSWERS in the unruly server


async def test_an_unreadable_answer_fails_its_call_at_once(openai_server, make_engine):
    calls = [call("u__unreadable", {"kind": kind}, id=kind) for kind in KINDS]
    openai_server.enqueue(tool_calls(*calls, call("u__echo", {"text": "fine"}, id="echo")), text("three unreadable"), text("still here"))
    # Only failing at once can end the turn within GENEROUS: the tool timeout is ten times longer.
    engine = await make_engine([unruly_server("u", "--unreadable-results")], tool_timeout=GENEROUS * 10)
    async with asyncio.timeout(GENEROUS):
        events = await run(engine, "read these")
    failed = {e.call_id: e for e in events if isinstance(e, ToolCallFailed)}
    assert sorted(failed) == sorted(KINDS)
    for kind in KINDS:
        assert failed[kind].kind == "failed"
        assert "the server's answer could not be read:" in failed[kind].error, failed[kind].error
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["fine"]
    told = {m["tool_call_id"]: m["content"] for m in openai_server.requests[1]["messages"] if m["role"] == "tool"}
    assert all("could not be read" in told[kind] for kind in KINDS) and told["echo"] == "fine"
    assert isinstance(events[-1], TurnFinished)
    assert next(s for s in engine.servers.statuses() if s.name == "u").state.value == "ready"
    assert (await run(engine, "and now?"))[-1].content == "still here"
    assert_nothing_lost(engine, openai_server)
