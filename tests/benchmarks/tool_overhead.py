"""Tool call overhead: 1,000 calls of a trivial tool on a real stdio MCP server through
ServerManager, against the same calls on a raw `mcp` ClientSession.

Both connections are open at once and take turns in blocks of calls, so a busy moment on
the machine falls on both sides instead of deciding the ratio."""

from __future__ import annotations

import asyncio
import sys
import time

from tests.benchmarks.common import Measure, median
from tests.engine_helpers import UNRULY, unruly_server

CALLS = 1000
BLOCK = 50


async def _timed(call, start: int) -> float:
    started = time.perf_counter()
    for i in range(start, start + BLOCK):
        await call(i)
    return time.perf_counter() - started


async def interleaved(calls: int) -> tuple[float, float]:
    """Seconds spent on `calls` calls through ServerManager and through a raw session."""
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    from mcp_tui.servers import ServerManager

    manager = ServerManager([unruly_server("u")])
    await manager.start()
    await manager.wait_settled(20)
    params = StdioServerParameters(command=sys.executable, args=[UNRULY])
    ours = raw = 0.0
    try:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()

            async def through_manager(i: int) -> None:
                await manager.call("u__echo", {"text": f"x{i}"})

            async def through_session(i: int) -> None:
                await session.call_tool("echo", {"text": f"x{i}"})

            await through_manager(-1)
            await through_session(-1)
            for start in range(0, calls, BLOCK):
                ours += await _timed(through_manager, start)
                raw += await _timed(through_session, start)
    finally:
        await manager.aclose()
    return ours, raw


def run(runs: int) -> list[Measure]:
    ours, raw = [], []
    for _ in range(runs):
        mine, theirs = asyncio.run(interleaved(CALLS))
        ours.append(mine / CALLS * 1000)
        raw.append(theirs / CALLS * 1000)
    ratio = median(ours) / median(raw)
    return [Measure(f"tool call, {CALLS} calls of echo over stdio", "ms per call", ours, "ratio ≤ 1.10", ratio <= 1.10, "raw mcp ClientSession", raw)]
