"""Tool-call ids as providers really send them: reused in a later turn (numbered `0`, `1`, …
per message), repeated inside one message, missing, or on calls streamed without an `index`.
Every call gets its own answer and the history sent back has ids unique in the session."""

from __future__ import annotations

import pytest

from mcp_tui.models.events import ToolCallFinished, TurnFinished
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost, saved_steps
from tests.support.openai_server import call, text, tool_calls


def _sent_ids(request: dict) -> list[str]:
    return [c["id"] for m in request["messages"] for c in m.get("tool_calls") or []]


async def test_an_id_reused_in_a_later_turn_is_answered_in_both(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "first"}, id="0")),
        text("one done"),
        tool_calls(call("u__echo", {"text": "second"}, id="0")),
        text("two done"),
    )
    engine = await make_engine([unruly_server()])
    first, second = await run(engine, "one"), await run(engine, "two")
    assert [e.result for e in first + second if isinstance(e, ToolCallFinished)] == ["first", "second"]
    assert first[-1] == TurnFinished(content="one done", rounds=2, at=first[-1].at, usage=first[-1].usage)
    assert first[-1].usage.requests == 2
    assert isinstance(second[-1], TurnFinished) and second[-1].content == "two done"
    # the provider got each result as the answer to its own call
    told = [m["content"] for m in openai_server.requests[-1]["messages"] if m["role"] == "tool"]
    assert told == ["first", "second"]
    assert_nothing_lost(engine, openai_server)  # every request valid, no id sent twice
    steps = saved_steps(engine)
    assert [s[1] for s in steps if s[0] == "tool"] == ["first", "second"]


async def test_ids_repeated_or_missing_in_one_message_are_made_unique(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "a"}, id="same"), call("u__echo", {"text": "b"}, id="same"), call("u__echo", {"text": "c"}, id="")),
        text("done"),
    )
    engine = await make_engine([unruly_server()])
    events = await run(engine, "go")
    assert sorted(e.result for e in events if isinstance(e, ToolCallFinished)) == ["a", "b", "c"]
    assert events[-1].content == "done"
    ids = _sent_ids(openai_server.requests[-1])
    assert len(ids) == 3 and all(ids)
    assert_nothing_lost(engine, openai_server)  # every request valid, no id sent twice


@pytest.mark.parametrize("ids", [("a", "b"), ("0", "0")], ids=["own-ids", "same-id"])
async def test_calls_streamed_without_index_stay_apart(openai_server, make_engine, ids):
    """Deltas with no `index` (some OpenAI-compatible servers): chuk-llm and our chunk tap both
    keyed calls on index 0 and merged them into one call with arguments '{"text":"a"}{"text":"b"}'."""
    first, second = ids
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "a"}, id=first), call("u__echo", {"text": "b"}, id=second), indexed=False),
        text("done"),
    )
    engine = await make_engine([unruly_server()])
    events = await run(engine, "go")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["a", "b"]
    sent = openai_server.requests[-1]["messages"]
    assert [c["function"]["arguments"] for m in sent for c in m.get("tool_calls") or []] == ['{"text": "a"}', '{"text": "b"}']
    assert_nothing_lost(engine, openai_server)


async def test_the_tui_answers_both_turns(openai_server):
    """The timeline keys its rows on the call id: a reused id broke the second turn there."""
    from mcp_tui.ui.widgets.chat import AssistantMessage
    from tests.ui_helpers import make_app, turn

    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "first"}, id="0")), text("one done"),
        tool_calls(call("u__echo", {"text": "second"}, id="0")), text("two done"),
    )
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "one")
        await turn(pilot, "two")
        await pilot.pause()
        assert [a.text for a in app.query(AssistantMessage)][-2:] == ["one done", "two done"]
        app.engine.context.history.validate_sequence()


async def test_a_session_saved_with_repeated_ids_resumes_into_a_valid_history(tmp_path, monkeypatch, openai_server):
    """Sessions written before ids were made unique repeat them ("0" in every turn, twice in
    one message); resumed as they are, the provider would refuse the next request."""
    from mcp_tui.models.messages import Message, MessageRole, ToolCall
    from mcp_tui.store.session_file import SessionWriter
    from tests.faults.helpers import resumes_validly

    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path / "home"))
    writer = SessionWriter()
    writer.write("meta", provider="openai", model="test-model")
    for turn, calls in (("one", ["0"]), ("two", ["0", "0"])):
        writer.message(Message(role=MessageRole.USER, content=turn))
        writer.message(Message(role=MessageRole.ASSISTANT, tool_calls=[ToolCall(id=i, name="u__echo") for i in calls]))
        for n, i in enumerate(calls):
            writer.message(Message(role=MessageRole.TOOL, tool_call_id=i, name="u__echo", content=f"{turn}-{n}"))
        writer.message(Message(role=MessageRole.ASSISTANT, content=f"{turn} done"))
    writer.close()
    await resumes_validly(openai_server, writer.session_id)
    sent = openai_server.requests[-1]["messages"]
    ids = _sent_ids(openai_server.requests[-1])
    assert len(ids) == 3 and len(set(ids)) == 3
    # each result still answers the call it answered before
    answers = {m["tool_call_id"]: m["content"] for m in sent if m["role"] == "tool"}
    assert [answers[i] for i in ids] == ["one-0", "two-0", "two-1"]
