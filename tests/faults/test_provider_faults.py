"""Provider failures and bad tool calls: a clear message with what to do, the prompt kept
(in the history and the session file), retries where they help, and the model told about
its bad calls through tool messages."""

from __future__ import annotations

import json

import pytest

from mcp_tui.models.events import (
    ToolCallFailed,
    ToolCallFinished,
    TurnFailed,
    TurnFinished,
)
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost, saved_steps
from tests.support.openai_server import (
    call,
    cut,
    error,
    refused_base_url,
    text,
    tool_calls,
)


@pytest.mark.parametrize(
    "reply, kind, hint",
    [
        (error(401), "auth", "key"),
        (error(429, retry_after=7), "rate_limit", "Wait 7 s"),
        (error(500), "server", "again"),
        (cut("Half an ans"), "connection", "ask again"),
    ],
    ids=["401", "429", "500", "cut"],
)
async def test_a_failed_answer_says_what_to_do_and_keeps_the_prompt(openai_server, make_engine, reply, kind, hint):
    openai_server.enqueue(reply, text("recovered"))
    engine = await make_engine()
    events = await run(engine, "my precious question")
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and failed.kind == kind and hint in failed.hint
    assert ("user", "my precious question", (), None) in saved_steps(engine)
    assert (await run(engine, "again"))[-1].content == "recovered"
    assert_nothing_lost(engine, openai_server)


async def test_connection_refused_names_the_address(make_engine):
    engine = await make_engine(base_url=refused_base_url())
    events = await run(engine, "anyone?")
    assert isinstance(events[-1], TurnFailed) and events[-1].kind == "connection"
    assert "127.0.0.1" in events[-1].hint
    assert saved_steps(engine) == [("user", "anyone?", (), None)]


@pytest.mark.parametrize("first", [error(429, retry_after=0.2), error(503)], ids=["429-retry-after", "503"])
async def test_the_app_default_retries_with_backoff(openai_server, make_engine, first):
    openai_server.enqueue(first, text("after a retry"))
    engine = await make_engine(max_retries=None)  # the app's default: the libraries' own retries
    events = await run(engine, "hello")
    assert isinstance(events[-1], TurnFinished) and events[-1].content == "after a retry"
    assert len(openai_server.requests) == 2
    assert_nothing_lost(engine, openai_server)


async def test_bad_calls_are_answered_through_tool_messages(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(call("u__echo", '{"text": "unterminated', id="bad"), call("u__nope", "{}", id="unknown"), call("u__echo", {"text": "fine"}, id="ok")),
        text("I will fix that"),
    )
    engine = await make_engine([unruly_server()])
    events = await run(engine, "go")
    failed = {e.call_id: e.kind for e in events if isinstance(e, ToolCallFailed)}
    assert failed == {"bad": "invalid_arguments", "unknown": "unknown_tool"}
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["fine"]
    told = {m["tool_call_id"]: m["content"] for m in openai_server.requests[1]["messages"] if m["role"] == "tool"}
    assert "not a valid JSON object" in told["bad"] and "no tool named 'u__nope'" in told["unknown"] and told["ok"] == "fine"
    # the model's broken arguments go back as "{}" so the provider accepts the history
    sent_calls = openai_server.requests[1]["messages"][-4]["tool_calls"]
    assert json.loads(sent_calls[0]["function"]["arguments"]) == {}
    assert_nothing_lost(engine, openai_server)


async def test_twenty_calls_in_one_message_each_get_their_answer(openai_server, make_engine):
    calls = [call("u__echo", {"text": f"n{i}"}, id=f"c{i}") for i in range(20)]
    openai_server.enqueue(tool_calls(*calls), text("twenty done"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "many")
    assert sorted(e.result for e in events if isinstance(e, ToolCallFinished)) == sorted(f"n{i}" for i in range(20))
    sent = openai_server.requests[1]["messages"]
    answered = [m["tool_call_id"] for m in sent if m["role"] == "tool"]
    assert sorted(answered) == sorted(f"c{i}" for i in range(20))  # each exactly once, in the order they finished
    assert events[-1].content == "twenty done"
    assert_nothing_lost(engine, openai_server)


async def test_a_stream_that_stalls_after_its_first_words_ends_the_turn_and_keeps_them(openai_server, make_engine):
    from mcp_tui.models.events import TurnFailed
    from tests.engine_helpers import run
    from tests.support.limits import SHORT
    from tests.support.openai_server import text

    # the provider sends two words, then nothing, for ever (no margin: only the idle limit ends it)
    openai_server.enqueue(text("Half an ", "answer", stall=True), text("went on"))
    engine = await make_engine(stream_idle_timeout=SHORT)
    events = await run(engine, "tell me")
    failed = events[-1]
    assert isinstance(failed, TurnFailed) and "stopped sending" in failed.error and "kept" in failed.hint
    partial = engine.context.history.messages[-1]
    assert partial.content == "Half an answer" and partial.interrupted
    assert openai_server.wait_dropped()  # the silent connection was closed
    assert (await run(engine, "go on"))[-1].content == "went on"
