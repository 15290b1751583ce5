"""SessionManager tracking: offline token counts, stats, segment rolls, never breaks the chat."""

import socket

import pytest

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import ToolCall
from mcp_tui.store.tokens import count_tokens


def test_counts_with_the_shipped_encoding():
    assert count_tokens("hello world") == 2
    assert count_tokens("") == 0 and count_tokens(None) == 0


async def test_tracking_works_with_network_blocked(monkeypatch):
    def refuse(*a, **k):
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/nonexistent-cache")
    ctx = ChatContext(provider="openai", model="gpt-4o-mini", system_prompt="s")
    await ctx.add_user_message("what time is it in Tokyo?")
    await ctx.add_assistant_message(None, [ToolCall(id="1", name="time__now", arguments="{}")])
    await ctx.add_tool_response("1", "12:00", "time__now", arguments={"tz": object()})
    await ctx.add_assistant_message("It is noon.")
    stats = await ctx.get_token_stats()
    assert ctx.tracker.broken is None
    assert stats.context_tokens > 20 and stats.context_source == "estimate"  # counted offline, o200k for gpt-4o-mini
    assert stats.messages == 4
    assert ctx.get_status_summary()["token_usage"]["context_tokens"] == stats.context_tokens


async def test_segments_roll_on_turn_boundaries_only():
    ctx = ChatContext(provider="openai", model="gpt-4o-mini", system_prompt="sys", max_turns_per_segment=4)
    rolls = []
    ctx.on_segment_rolled.append(lambda n, summary: rolls.append((n, summary)))
    for i in range(6):
        if ctx.should_roll():
            await ctx.roll_segment()
        await ctx.add_user_message(f"question {i} about the weather in Paris?")
        await ctx.add_assistant_message(f"answer {i}")
    stats = await ctx.get_token_stats()
    assert stats.segments == 3 and [n for n, _ in rolls] == [2, 3], (stats, rolls)
    assert "weather in Paris" in rolls[0][1] and rolls[0][1] == ctx.summaries[0]
    assert 0 < stats.context_tokens
    sent = await ctx.get_messages_for_llm()
    assert sent[0] == {"role": "system", "content": "sys"}
    assert sent[1]["role"] == "system" and "Segment 1:" in sent[1]["content"] and "Segment 2:" in sent[1]["content"]
    assert [m["content"] for m in sent[2:]] == ["question 4 about the weather in Paris?", "answer 4", "question 5 about the weather in Paris?", "answer 5"]
    assert len(ctx.history.messages) == 13  # nothing is lost: the full history stays for the screen and files


async def test_roll_refuses_to_cut_a_tool_call_off():
    ctx = ChatContext(provider="openai", model="m")
    await ctx.add_user_message("q")
    await ctx.add_assistant_message(None, [ToolCall(id="1", name="t")])
    with pytest.raises(RuntimeError):
        await ctx.roll_segment()


async def test_tracking_is_measured_and_cheap():
    ctx = ChatContext(provider="openai", model="gpt-4o-mini")
    for i in range(50):
        await ctx.add_user_message(f"q{i}")
        await ctx.add_assistant_message(f"a{i}")
    await ctx.get_token_stats()
    assert len(ctx.tracker.op_seconds) == 100
