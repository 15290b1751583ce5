"""A long live session: 400 turns in the app (App.run_test, real engine, real chuk-llm, the
local SSE server, the unruly MCP server), each with a tool call and a short Markdown answer.
Enter → answer drawn at the first turns and at the last ones, and the RSS the session added."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time

import psutil

from tests.benchmarks.common import Measure, median

TURNS = 400
EDGE = 10  # turns averaged at each end
SIZE = (120, 40)


def answer_text(i: int) -> str:
    return f"Order **{i}** shipped; the total was `{i * 3}`.\n\n- customer told\n- invoice sent\n\nanswer-{i}"


def responder(body: dict):
    """A tool call for each question, its answer after the result, a summary when a segment rolls
    (a queue of replies would shift by one at every roll)."""
    from mcp_tui.llm.prompts import SUMMARY_PROMPT
    from tests.support.openai_server import call, text, tool_calls

    messages = body["messages"]
    if messages[0]["content"] == SUMMARY_PROMPT:
        return text("The user asked how their orders were doing; each had shipped.")
    order = int(next(m["content"] for m in reversed(messages) if m["role"] == "user").split()[-2])
    if messages[-1]["role"] == "tool":
        return text(answer_text(order))
    return tool_calls(call("u__echo", {"text": f"order {order}"}))


async def drive(app, pilot, server, orders: range) -> list[float]:
    """Seconds from Enter to the drawn answer for each order's turn, in `app`."""
    from mcp_tui.models.events import TurnFailed, TurnFinished
    from mcp_tui.ui.widgets.prompt_input import PromptInput

    prompt = app.query_one(PromptInput)
    drawn = asyncio.Event()  # set once the app has handled (drawn) a turn's end
    handle = app.on_turn_event

    async def on_turn_event(event) -> None:
        await handle(event)
        if isinstance(event, (TurnFailed, TurnFinished)):
            drawn.set()

    app.on_turn_event = on_turn_event
    seconds = []
    for i in orders:
        prompt.load_text(f"how is order {i} doing?")
        drawn.clear()
        started = time.perf_counter()
        await pilot.press("enter")
        await asyncio.wait_for(drawn.wait(), 60)
        seconds.append(time.perf_counter() - started)
        assert app.last_answer == answer_text(i), app.last_answer
        await pilot.pause()
        server.take_requests()  # the test server's copies of every history are not the app's memory
        if i % 50 == 0:
            print(f"  turn {i}: {seconds[-1]:.2f} s", file=sys.stderr, flush=True)
    return seconds


async def session(turns: int = TURNS) -> tuple[list[float], float, list[float]]:
    """Per turn seconds of a long session, its RSS growth in MiB, and per turn seconds of a
    fresh instance resumed on that same session (the same conversation, the same requests)."""
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.store.session_file import find_session
    from mcp_tui.ui.app import McpTuiApp
    from tests.engine_helpers import engine_settings, unruly_server
    from tests.support.openai_server import OpenAIServer

    process = psutil.Process()
    with OpenAIServer(responder) as server:
        app = McpTuiApp(ChatEngine(engine_settings(server.base_url), [unruly_server()]))
        async with app.run_test(size=SIZE) as pilot:
            await app.engine.servers.wait_settled(60)
            await drive(app, pilot, server, range(0, 1))  # warm-up
            rss_before = process.memory_info().rss
            seconds = await drive(app, pilot, server, range(1, turns + 1))
            grown = (process.memory_info().rss - rss_before) / 2**20
            session_id = app.engine.recorder.session_id
        await app.engine.aclose()
        fresh = McpTuiApp(ChatEngine(engine_settings(server.base_url), [unruly_server()], resume=find_session(session_id)))
        async with fresh.run_test(size=SIZE) as pilot:
            await fresh.engine.servers.wait_settled(60)
            await drive(fresh, pilot, server, range(turns + 1, turns + 2))  # warm-up
            resumed = await drive(fresh, pilot, server, range(turns + 2, turns + 2 + EDGE))
        await fresh.engine.aclose()
    return seconds, grown, resumed


def run(runs: int) -> list[Measure]:
    os.environ.setdefault("MCP_TUI_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "bench-long-chat"))
    seconds, grown, resumed = asyncio.run(session())  # one session: 400 turns take minutes
    first, last = seconds[:EDGE], seconds[-EDGE:]
    ratio = statistics.median(last) / statistics.median(resumed)
    return [
        Measure(f"{TURNS}-turn session, a tool call each: Enter → answer, turns 1–{EDGE}", "s", first, "—"),
        Measure(
            f"{TURNS}-turn session: Enter → answer, turns {TURNS - EDGE + 1}–{TURNS}", "s", last, "≤ 1.25× a fresh instance on the same session",
            ratio <= 1.25, peer="a fresh instance resumed on that session", peer_values=resumed,
            note=f"{statistics.median(last) / statistics.median(first):.2f}× turns 1–{EDGE}, whose requests are shorter",
        ),
        Measure(f"{TURNS}-turn session: RSS grown after the warm-up turn", "MiB", [grown], "≤ 25 MiB", grown <= 25),
    ]
