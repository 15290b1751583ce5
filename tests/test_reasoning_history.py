"""The model's thinking is kept, and sent back only to providers that require it."""

from __future__ import annotations

import pytest

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import ToolCall
from mcp_tui.store.export import to_markdown


@pytest.mark.parametrize(("provider", "model", "sent_back"), [("deepseek", "deepseek-reasoner", True), ("openai", "gpt-4o", False), ("groq", "openai/gpt-oss-20b", False)])
async def test_reasoning_goes_back_only_where_required(provider, model, sent_back):
    ctx = ChatContext(provider=provider, model=model)
    await ctx.add_user_message("what time is it?")
    await ctx.add_assistant_message("", [ToolCall(id="c1", name="time__now")], reasoning="I should ask the clock.")
    await ctx.add_tool_response("c1", "12:00", "time__now")
    await ctx.add_assistant_message("Noon.", reasoning="It said 12:00.")
    wire = await ctx.get_messages_for_llm()
    assert [m.get("reasoning_content") for m in wire if m["role"] == "assistant"] == (["I should ask the clock.", None] if sent_back else [None, None])
    assert ctx.history.messages[-1].reasoning == "It said 12:00."  # kept for the screen and files either way
    assert "> **Thinking**" in to_markdown(ctx.history) and "> It said 12:00." in to_markdown(ctx.history)
    await ctx.aclose()


async def test_a_refusal_is_saved_and_sent_back_as_the_content():
    ctx = ChatContext(provider="openai", model="gpt-4o")
    await ctx.add_user_message("something bad")
    await ctx.add_assistant_message("", refusal="I can't help with that.")
    assert (await ctx.get_messages_for_llm())[-1] == {"role": "assistant", "content": "I can't help with that."}
    assert "**Refused:** I can't help with that." in to_markdown(ctx.history)
    await ctx.aclose()
