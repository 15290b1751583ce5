"""Session tracking cost per message: `python -m tests.benchmarks.bench_tracking [N]`
(also a row of `python -m tests.benchmarks`).

Times each queued SessionManager call (user_says / ai_responds / tool_used) as the
tracker runs it, for a conversation of N messages in one segment, and prints
median / p95 / max per message, at the start and at the end of the conversation.
"""

from __future__ import annotations

import asyncio
import statistics
import sys

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import ToolCall
from tests.benchmarks.common import Measure, median, p95


async def measure(messages: int) -> list[float]:
    ctx = ChatContext(provider="openai", model="gpt-4o-mini", max_turns_per_segment=10**9)
    for i in range(messages // 2):
        await ctx.add_user_message(f"Question {i}: what is the status of order {i} and its customer?")
        if i % 4 == 0:
            await ctx.add_assistant_message(None, [ToolCall(id=f"c{i}", name="sqlite__read_query", arguments='{"query": "SELECT 1"}')])
            await ctx.add_tool_response(f"c{i}", "[{\"id\": 1, \"status\": \"shipped\"}]", "sqlite__read_query", arguments={"query": "SELECT 1"})
        await ctx.add_assistant_message(f"Order {i} shipped on Tuesday; the customer was told by mail. " * 3)
        await ctx.get_token_stats()  # as a turn does at its end
    seconds = ctx.tracker.op_seconds
    await ctx.aclose()
    return seconds


def run(runs: int) -> list[Measure]:
    """Median ms per tracked call over 1,000 messages, one value per run."""
    medians, p95s = [], []
    for _ in range(runs):
        ms = [s * 1000 for s in asyncio.run(measure(1000))[1:]]  # the first call loads the encoding
        medians.append(median(ms))
        p95s.append(p95(ms))
    return [Measure("session tracking, 1,000 messages in one segment", "ms per message", medians, "< 1 ms", max(medians) < 1.0, note=f"p95 ≤ {max(p95s):.2f} ms")]


def row(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{label:<28} {statistics.median(ms):8.3f} {ms[int(len(ms) * 0.95)]:8.3f} {ms[-1]:8.3f}"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seconds = asyncio.run(measure(n))
    tenth = max(1, len(seconds) // 10)
    print(f"session tracking, {n} messages in one segment ({len(seconds)} tracked calls), ms per call")
    print(f"{'':<28} {'median':>8} {'p95':>8} {'max':>8}")
    print(row("all calls", seconds))
    print(row("first 10 %", seconds[:tenth]))
    print(row("last 10 %", seconds[-tenth:]))


if __name__ == "__main__":
    main()
