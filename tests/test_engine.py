"""The engine end to end: real chuk-llm against the local SSE server, real MCP servers.

Each test checks what the user gets (events), that the history sent next is valid,
and that nothing is lost.
"""

from __future__ import annotations

import json

import pytest

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.approval import ApprovalMode, Decision
from mcp_tui.models.events import (
    TextDelta,
    ToolCallFailed,
    ToolCallFinished,
    ToolCallProgress,
    TurnFailed,
    TurnFinished,
)
from tests.engine_helpers import (
    assert_every_request_valid,
    engine_settings,
    kinds,
    run,
    time_server,
    unruly_server,
)
from tests.support.limits import GENEROUS, SHORT
from tests.support.openai_server import (
    call,
    cut,
    error,
    text,
    tool_calls,
    tool_echo_responder,
)


def last_messages(server, index: int = -1) -> list[dict]:
    return server.requests[index]["messages"]


async def test_text_streams_and_is_kept(openai_server, make_engine):
    openai_server.enqueue(text("Hello", ", ", "**world**"))
    engine = await make_engine()
    events = await run(engine, "hi")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello, **world**"
    assert kinds(events) == ["usage_updated", "turn_finished"]
    assert events[-1].content == "Hello, **world**"
    usage = events[-2].usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert [m.role.value for m in engine.context.history.messages] == ["system", "user", "assistant"]
    assert last_messages(openai_server)[-1] == {"role": "user", "content": "hi"}


async def test_time_tool_round_trip(openai_server, make_engine):
    openai_server.responder = tool_echo_responder
    engine = await make_engine([time_server()], approve=ApprovalMode.READONLY)
    events = await run(engine, "what is the time in Asia/Tokyo")
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert len(finished) == 1 and finished[0].server == "time" and finished[0].tool == "get_current_time"
    assert "Asia/Tokyo" in finished[0].result
    assert isinstance(events[-1], TurnFinished) and "Asia/Tokyo" in events[-1].content
    follow_up = last_messages(openai_server)
    assistant, tool = follow_up[-2], follow_up[-1]
    assert assistant["role"] == "assistant" and assistant["tool_calls"][0]["function"]["name"] == "time__get_current_time"
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert json.loads(tool["content"])["timezone"] == "Asia/Tokyo"
    assert_every_request_valid(openai_server)


async def test_several_calls_run_concurrently_each_answered(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(
            call("u__slow", {"seconds": 0.6, "steps": 2}, id="a"),
            call("u__slow", {"seconds": 0.6, "steps": 2}, id="b"),
            call("u__no_args", "", id="c"),
            text="Let me check. ",
        ),
        text("done"),
    )
    engine = await make_engine([unruly_server()])
    events = await run(engine, "go")
    assert sorted(e.call_id for e in events if isinstance(e, ToolCallFinished)) == ["a", "b", "c"]
    assert any(isinstance(e, ToolCallProgress) for e in events)
    # they overlapped: both slow calls reported progress before either finished (no timing)
    order = [(e.type, e.call_id) for e in events if e.type in ("tool_progress", "tool_finished") and e.call_id in "ab"]
    first_finish = order.index(next(o for o in order if o[0] == "tool_finished"))
    assert {call_id for kind, call_id in order[:first_finish] if kind == "tool_progress"} == {"a", "b"}
    follow_up = last_messages(openai_server)
    assert follow_up[-4]["content"] == "Let me check. "
    assert {m["tool_call_id"] for m in follow_up[-3:]} == {"a", "b", "c"}
    assert_every_request_valid(openai_server)


@pytest.mark.parametrize(
    "bad_call,kind,told",
    [
        (call("u__echo", "{not json", id="x"), "invalid_arguments", "not a valid JSON object"),
        (call("nope__missing", "{}", id="x"), "unknown_tool", "no tool named"),
        (call("u__fail", "{}", id="x"), None, "Tool error"),
        (call("u__hang", "{}", id="x"), "timeout", "did not answer"),
    ],
)
async def test_bad_calls_are_answered_and_the_chat_goes_on(openai_server, make_engine, bad_call, kind, told):
    openai_server.enqueue(tool_calls(bad_call), text("sorry"), text("next answer"))
    # only the call that hangs for ever gets a short timeout: the others must not be cut by it
    engine = await make_engine([unruly_server()], tool_timeout=SHORT if kind == "timeout" else GENEROUS)
    events = await run(engine, "try it")
    if kind:
        assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == [kind]
    else:
        assert [e.is_error for e in events if isinstance(e, ToolCallFinished)] == [True]
    tool_message = last_messages(openai_server)[-1]
    assert tool_message["role"] == "tool" and told in tool_message["content"]
    assert isinstance(events[-1], TurnFinished)
    events = await run(engine, "and now?")
    assert events[-1].content == "next answer"
    assert_every_request_valid(openai_server)


@pytest.mark.parametrize(
    "reply,kind",
    [(error(401), "auth"), (error(429, retry_after=7), "rate_limit"), (error(500), "server"), (cut("Half an ans"), "connection")],
)
async def test_provider_errors_end_the_turn_and_keep_the_prompt(openai_server, make_engine, reply, kind):
    openai_server.enqueue(reply, text("recovered"))
    engine = await make_engine()
    events = await run(engine, "my precious question")
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and failed.kind == kind and failed.hint
    assert "test-key-0123" not in failed.error
    history = engine.context.history.messages
    assert history[1].content == "my precious question"
    if kind == "connection":
        assert history[-1].interrupted and history[-1].content == "Half an ans"
    events = await run(engine, "again")
    assert events[-1].content == "recovered"
    assert [m["content"] for m in last_messages(openai_server) if m["role"] == "user"] == ["my precious question", "again"]
    assert_every_request_valid(openai_server)


async def test_connection_refused_is_a_clear_error():
    from tests.support.openai_server import refused_base_url

    engine = ChatEngine(engine_settings(refused_base_url()), [])
    try:
        events = await run(engine, "anyone there?")
    finally:
        await engine.aclose()
    assert isinstance(events[-1], TurnFailed) and events[-1].kind == "connection"
    assert "127.0.0.1" in events[-1].hint


async def test_cancel_mid_stream_keeps_the_partial_answer(openai_server, make_engine):
    words = [f"word{i} " for i in range(200)]
    openai_server.enqueue(text(*words, stall=True), text("fine"))  # ends only when cancelled
    engine = await make_engine()
    events = []
    async for event in engine.run_turn("tell me a long story"):
        events.append(event)
        if isinstance(event, TextDelta) and len(events) == 5:
            assert engine.cancel()
    assert isinstance(events[-1], TurnFinished) and events[-1].cancelled
    partial = engine.context.history.messages[-1]
    assert partial.interrupted and partial.content.startswith("word0 word1")
    assert "".join(words).startswith(partial.content)
    assert openai_server.wait_dropped()
    await run(engine, "shorter please")
    assert last_messages(openai_server)[-2]["content"] == partial.content
    assert_every_request_valid(openai_server)


async def test_cancel_mid_tool_answers_every_call(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h"), call("u__echo", {"text": "hi"}, id="e")), text("ok"))
    engine = await make_engine([unruly_server()])
    events = []
    async for event in engine.run_turn("go"):
        events.append(event)
        if isinstance(event, ToolCallFinished):  # echo done, hang still running
            engine.cancel()
    assert events[-1].cancelled
    assert [(e.call_id, e.kind) for e in events if isinstance(e, ToolCallFailed)] == [("h", "cancelled")]
    engine.context.history.validate_sequence()
    await run(engine, "next")
    assert_every_request_valid(openai_server)
    assert engine.servers.statuses()[0].state.value == "ready"  # the server survived the cancel


async def test_approval_refuse_and_trust(openai_server, make_engine):
    asked = []
    answers = iter([Decision.DENY, Decision.TRUST])

    async def asker(request):
        asked.append(request.qualified_name)
        return next(answers)

    openai_server.enqueue(
        tool_calls(call("u__fail", "{}", id="1")), text("refused, fine"),
        tool_calls(call("u__fail", "{}", id="2")), text("ran"),
        tool_calls(call("u__fail", "{}", id="3")), text("ran again"),
    )
    engine = await make_engine([unruly_server()], asker=asker, approve=ApprovalMode.ASK)
    events = await run(engine, "one")
    assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == ["denied"]
    assert "refused" in last_messages(openai_server)[-1]["content"]
    events = await run(engine, "two")
    assert "tool_awaiting_approval" in kinds(events) and "tool_finished" in kinds(events)
    events = await run(engine, "three")
    assert "tool_awaiting_approval" not in kinds(events)
    assert asked == ["u__fail", "u__fail"]
    assert_every_request_valid(openai_server)


async def test_readonly_policy_runs_read_only_tools_only(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "x"}, id="1"), call("u__fail", "{}", id="2")), text("ok"))
    engine = await make_engine([unruly_server()], approve=ApprovalMode.READONLY)
    events = await run(engine, "go")
    assert [e.call_id for e in events if isinstance(e, ToolCallFinished)] == ["1"]
    assert [(e.call_id, e.kind) for e in events if isinstance(e, ToolCallFailed)] == [("2", "refused")]  # by the policy: nobody was asked


async def test_crashed_server_fails_the_call_and_restarts(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__crash", "{}", id="c")), text("it crashed"), tool_calls(call("u__echo", {"text": "back"}, id="e")), text("ok"))
    states = []
    engine = await make_engine([unruly_server()])
    engine.listeners.append(lambda e: states.append(getattr(e, "state", None)))
    events = await run(engine, "crash it")
    assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == ["failed"]
    assert "exited" in states
    await engine.restart_server("u")
    await engine.servers.wait_settled(GENEROUS)
    events = await run(engine, "again")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["back"]
    assert_every_request_valid(openai_server)


async def test_round_limit_stops_a_looping_model(openai_server, make_engine):
    openai_server.enqueue(*[tool_calls(call("u__echo", {"text": str(i)}, id=f"c{i}")) for i in range(3)])
    engine = await make_engine([unruly_server()], max_rounds=2)
    events = await run(engine, "loop")
    assert isinstance(events[-1], TurnFailed) and events[-1].kind == "round_limit"
    engine.context.history.validate_sequence()
