"""200 turns with tool calls through the engine: memory and open files stay flat."""

from __future__ import annotations

import asyncio
import gc

import psutil

from mcp_tui.llm.prompts import SUMMARY_PROMPT
from mcp_tui.models.events import TurnFinished
from mcp_tui.models.messages import validate_llm_messages
from tests.engine_helpers import run, time_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import text, tool_echo_responder

TURNS = 200
WARM_UP = 20


def responder(body):
    """Every turn: a time call, then an answer from its result; summaries are short."""
    if body["messages"][0].get("content") == SUMMARY_PROMPT:
        return text("The user kept asking for the time in Tokyo.")
    return tool_echo_responder(body)


def footprint() -> tuple[float, int]:
    gc.collect()
    process = psutil.Process()
    return process.memory_info().rss / 2**20, process.num_fds()


async def test_two_hundred_turns_with_tool_calls_stay_flat(openai_server, make_engine):
    openai_server.responder = responder
    engine = await make_engine([time_server()])
    start = None
    for turn in range(TURNS):
        events = await asyncio.wait_for(run(engine, f"what is the time in Tokyo? ({turn})"), GENEROUS)
        assert isinstance(events[-1], TurnFinished) and "Asia/Tokyo" in events[-1].content
        for request in openai_server.take_requests():  # checked now, not kept: they would grow the RSS
            validate_llm_messages(request["messages"])
        if turn == WARM_UP:
            start = footprint()
    rss, fds = footprint()
    print(f"\nsoak: RSS {start[0]:.1f} → {rss:.1f} MiB, fds {start[1]} → {fds} over {TURNS - WARM_UP} turns")
    assert rss - start[0] < 20, "memory grows with the turns"
    assert fds - start[1] <= 5, "file descriptors leak"
    assert len(engine.context.segments()) >= 3  # it rolled segments on the way (200 messages each)
    assert_nothing_lost(engine, openai_server)
