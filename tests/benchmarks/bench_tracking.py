"""Accounting cost per message: `python -m tests.benchmarks.bench_tracking [N]`
(also rows of `python -m tests.benchmarks`, at 1,000 and 10,000 messages).

Two costs, for a conversation of N messages in one segment:
- the queued SessionManager call (user_says / ai_responds / tool_used, with the request's
  usage) as the tracker runs it, off the streaming path;
- on the turn's own path: adding the message, recording a request's usage, and the context
  figure the next request is compared with (each message counted once, a running sum).
Prints median / p95 / max per message, at the start and at the end of the conversation.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import ToolCall
from mcp_tui.models.usage import RequestUsage
from tests.benchmarks.common import Measure, median, p95

SIZES = (1_000, 10_000)


async def measure(messages: int) -> tuple[list[float], list[float]]:
    """Seconds per message: the SessionManager's queued call, and the turn's own accounting."""
    ctx = ChatContext(provider="openai", model="gpt-4o-mini", max_turns_per_segment=10**9, token_threshold=10**9)
    own: list[float] = []
    added = 0
    i = 0
    while added < messages:
        usage = RequestUsage(prompt_tokens=1000 + i, completion_tokens=40, reported=True, cost=0.0001)
        steps = [lambda: ctx.add_user_message(f"Question {i}: what is the status of order {i} and its customer?")]
        if i % 4 == 0:
            steps.append(lambda: ctx.add_assistant_message(None, [ToolCall(id=f"c{i}", name="sqlite__read_query", arguments='{"query": "SELECT 1"}')], usage=usage))
            steps.append(lambda: ctx.add_tool_response(f"c{i}", "[{\"id\": 1, \"status\": \"shipped\"}]", "sqlite__read_query", arguments={"query": "SELECT 1"}))
        steps.append(lambda: ctx.add_assistant_message(f"Order {i} shipped on Tuesday; the customer was told by mail. " * 3, usage=usage))
        for step in steps:
            started = time.perf_counter()
            await step()
            ctx.record_request(usage, sent=len(ctx.history.messages), schema_tokens=0)
            ctx.token_stats  # the figure a request is compared with
            own.append(time.perf_counter() - started)
        added += len(steps)
        i += 1
    await ctx.get_token_stats()  # as a turn does at its end
    tracked = ctx.tracker.op_seconds
    await ctx.aclose()
    return tracked[1:], own[1:]  # the first call loads the encoding


def run(runs: int) -> list[Measure]:
    """Median ms per message at 1,000 and 10,000 messages, one value per run."""
    measures = []
    for size in SIZES:
        tracked, own, p95s = [], [], []
        for _ in range(runs if size <= 1_000 else max(1, runs // 3)):
            t, o = asyncio.run(measure(size))
            tracked.append(median([s * 1000 for s in t]))
            own.append(median([s * 1000 for s in o]))
            p95s.append(max(p95([s * 1000 for s in t]), p95([s * 1000 for s in o])))
        label = f"{size:,} messages in one segment"
        measures.append(Measure(f"accounting on the turn's path, {label}", "ms per message", own, "< 1 ms", max(own) < 1.0, note=f"p95 ≤ {max(p95s):.2f} ms"))
        measures.append(Measure(f"SessionManager tracking (queued), {label}", "ms per message", tracked, "< 1 ms", max(tracked) < 1.0))
    return measures


def row(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{label:<28} {statistics.median(ms):8.3f} {ms[int(len(ms) * 0.95)]:8.3f} {ms[-1]:8.3f}"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    tracked, own = asyncio.run(measure(n))
    for name, seconds in (("SessionManager call (queued)", tracked), ("the turn's own accounting", own)):
        tenth = max(1, len(seconds) // 10)
        print(f"{name}, {n} messages in one segment, ms per message")
        print(f"{'':<28} {'median':>8} {'p95':>8} {'max':>8}")
        print(row("all", seconds))
        print(row("first 10 %", seconds[:tenth]))
        print(row("last 10 %", seconds[-tenth:]))


if __name__ == "__main__":
    main()
