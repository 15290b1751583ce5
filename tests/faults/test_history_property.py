"""Property: whatever mix of answers, tool calls, bad calls, provider errors, cut streams and
cancels happens over a conversation, the history stays valid — every tool call has exactly
one tool message — and the session file holds it."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.events import TextDelta, ToolCallStarted
from mcp_tui.models.messages import MessageRole
from tests.engine_helpers import engine_settings, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, cut, error, text, tool_calls

STEPS = ["text", "tool", "two_tools", "bad_args", "error", "cut", "cancel_stream", "cancel_tool"]


def script(step: str, n: int) -> list:
    return {
        "text": [text("plain answer")],
        "tool": [tool_calls(call("u__echo", {"text": "x"}, id=f"t{n}")), text("used it")],
        "two_tools": [tool_calls(call("u__echo", {"text": "a"}, id=f"a{n}"), call("u__no_args", "", id=f"b{n}")), text("both")],
        "bad_args": [tool_calls(call("u__echo", "{oops", id=f"x{n}"), call("u__missing", "{}", id=f"m{n}")), text("fixed")],
        "error": [error(500)],
        "cut": [cut("half an")],
        "cancel_stream": [text(*[f"w{i} " for i in range(300)], stall=True)],
        "cancel_tool": [tool_calls(call("u__hang", "{}", id=f"h{n}"), call("u__echo", {"text": "fast"}, id=f"f{n}"))],
    }[step]


async def play(server, steps: list[str]) -> None:
    engine = ChatEngine(engine_settings(server.base_url, tool_timeout=GENEROUS), [unruly_server()])
    await engine.start()
    try:
        for n, step in enumerate(steps):
            server.enqueue(*script(step, n))
            async for event in engine.run_turn(f"step {n}: {step}"):
                if (step == "cancel_stream" and isinstance(event, TextDelta)) or (step == "cancel_tool" and isinstance(event, ToolCallStarted) and event.tool == "hang"):
                    engine.cancel()
            calls = [c.id for m in engine.context.history.messages for c in m.tool_calls]
            answers = [m.tool_call_id for m in engine.context.history.messages if m.role is MessageRole.TOOL]
            assert sorted(calls) == sorted(answers)  # exactly one tool message per call
            await engine.context.tracker.flush()
            assert_nothing_lost(engine, server)
    finally:
        await engine.aclose()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=6))
def test_any_interleaving_keeps_the_history_valid(openai_server, steps):
    openai_server.take_requests()
    asyncio.run(play(openai_server, steps))
