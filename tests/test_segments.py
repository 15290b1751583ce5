"""Segments roll on turn boundaries; the provider then gets system prompt, summaries, current segment."""

from __future__ import annotations

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.engine.summary import SUMMARY_PROMPT
from mcp_tui.models.events import SegmentRolled
from tests.engine_helpers import (
    assert_every_request_valid,
    engine_settings,
    run,
    unruly_server,
)
from tests.support.openai_server import call, error, text, tool_calls


async def test_tiny_threshold_rolls_with_a_model_summary(openai_server):
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "42"}, id="t1")),
        text("The echo said 42, " * 10),
        text("SUMMARY: the user asked for an echo; it said 42."),  # the summary request
        text("second answer"),
    )
    engine = ChatEngine(engine_settings(openai_server.base_url, token_threshold=30), [unruly_server()])
    await engine.start()
    try:
        await run(engine, "echo 42 please")
        assert engine.context.should_roll()
        rolled = [e for e in await run(engine, "and now?") if isinstance(e, SegmentRolled)]  # said in the turn, in order
    finally:
        await engine.aclose()
    summary_request = openai_server.requests[2]
    assert summary_request["messages"][0]["content"] == SUMMARY_PROMPT and "tools" not in summary_request
    assert "u__echo" in summary_request["messages"][1]["content"]
    sent = openai_server.requests[3]["messages"]
    assert [m["role"] for m in sent] == ["system", "system", "user"]
    assert "SUMMARY: the user asked for an echo" in sent[1]["content"]
    assert sent[2]["content"] == "and now?"
    assert [e.segment for e in rolled] == [2]
    assert engine.context.token_stats.segments == 2
    assert_every_request_valid(openai_server)


async def test_compact_falls_back_to_an_extractive_summary(openai_server):
    openai_server.enqueue(text("first answer"), error(500), text("after compact"))
    engine = ChatEngine(engine_settings(openai_server.base_url), [])
    try:
        await run(engine, "what is the capital of France?")
        summary = await engine.compact()
        assert "capital of France" in summary
        await run(engine, "next")
    finally:
        await engine.aclose()
    sent = openai_server.requests[-1]["messages"]
    assert summary in sent[1]["content"] and [m["role"] for m in sent] == ["system", "system", "user"]
