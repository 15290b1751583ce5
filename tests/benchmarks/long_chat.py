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


async def session(turns: int = TURNS) -> tuple[list[float], float]:
    """Seconds from Enter to the drawn answer, per turn, and the RSS growth in MiB."""
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.models.events import TurnFailed, TurnFinished
    from mcp_tui.ui.app import McpTuiApp
    from mcp_tui.ui.widgets.prompt_input import PromptInput
    from tests.engine_helpers import engine_settings, unruly_server
    from tests.support.openai_server import OpenAIServer

    process = psutil.Process()
    with OpenAIServer(responder) as server:
        app = McpTuiApp(ChatEngine(engine_settings(server.base_url, persist=False), [unruly_server()]))
        seconds: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            await app.engine.servers.wait_settled(60)
            prompt = app.query_one(PromptInput)
            drawn = asyncio.Event()  # set once the app has handled (drawn) a turn's end
            handle = app.on_turn_event

            async def on_turn_event(event) -> None:
                await handle(event)
                if isinstance(event, (TurnFinished, TurnFailed)):
                    drawn.set()

            app.on_turn_event = on_turn_event

            async def one(i: int) -> float:
                prompt.load_text(f"how is order {i} doing?")
                drawn.clear()
                started = time.perf_counter()
                await pilot.press("enter")
                await asyncio.wait_for(drawn.wait(), 60)
                elapsed = time.perf_counter() - started
                assert app.last_answer == answer_text(i), app.last_answer
                await pilot.pause()
                server.take_requests()  # the test server's copies of every history are not the app's memory
                return elapsed

            await one(0)
            rss_before = process.memory_info().rss
            for i in range(1, turns + 1):
                seconds.append(await one(i))
                if i % 50 == 0:
                    print(f"  turn {i}: {seconds[-1]:.2f} s", file=sys.stderr, flush=True)
            grown = (process.memory_info().rss - rss_before) / 2**20
        await app.engine.aclose()
    return seconds, grown


def run(runs: int) -> list[Measure]:
    os.environ.setdefault("MCP_TUI_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "bench-long-chat"))
    seconds, grown = asyncio.run(session())  # one session: 400 turns take minutes
    first, last = seconds[:EDGE], seconds[-EDGE:]
    ratio = statistics.median(last) / statistics.median(first)
    return [
        Measure(f"{TURNS}-turn session, a tool call each: Enter → answer, turns 1–{EDGE}", "s", first, "—"),
        Measure(f"{TURNS}-turn session: Enter → answer, turns {TURNS - EDGE + 1}–{TURNS}", "s", last, "≤ 1.25× turns 1–10", ratio <= 1.25, note=f"{ratio:.2f}× the first turns"),
        Measure(f"{TURNS}-turn session: RSS grown after the warm-up turn", "MiB", [grown], "≤ 25 MiB", grown <= 25),
    ]
