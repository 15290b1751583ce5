"""Tool call overhead: 1,000 calls of a trivial tool on a real stdio MCP server through
ServerManager, against the same calls on a raw `mcp` ClientSession."""

from __future__ import annotations

import asyncio
import sys
import time

from tests.benchmarks.common import Measure, median
from tests.engine_helpers import UNRULY, unruly_server

CALLS = 1000


async def through_manager(calls: int) -> float:
    from mcp_tui.servers import ServerManager

    manager = ServerManager([unruly_server("u")])
    await manager.start()
    await manager.wait_settled(20)
    await manager.call("u__echo", {"text": "warm"})
    started = time.perf_counter()
    for i in range(calls):
        await manager.call("u__echo", {"text": f"x{i}"})
    elapsed = time.perf_counter() - started
    await manager.aclose()
    return elapsed


async def raw_session(calls: int) -> float:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=[UNRULY])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        await session.call_tool("echo", {"text": "warm"})
        started = time.perf_counter()
        for i in range(calls):
            await session.call_tool("echo", {"text": f"x{i}"})
        return time.perf_counter() - started


def run(runs: int) -> list[Measure]:
    ours, raw = [], []
    for _ in range(runs):
        ours.append(asyncio.run(through_manager(CALLS)) / CALLS * 1000)
        raw.append(asyncio.run(raw_session(CALLS)) / CALLS * 1000)
    ratio = median(ours) / median(raw)
    return [Measure(f"tool call, {CALLS} calls of echo over stdio", "ms per call", ours, "ratio ≤ 1.10", ratio <= 1.10, "raw mcp ClientSession", raw)]
