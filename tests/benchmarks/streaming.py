"""Streaming through the whole app (App.run_test, real engine, real chuk-llm, the local SSE
server): throughput at full speed, and keypress-to-echo latency while 2,000 tokens/s stream."""

from __future__ import annotations

import asyncio
import time

from textual import events

from tests.benchmarks.common import Measure, median, p95
from tests.support.openai_server import OpenAIServer, text

TOKENS = 20_000
SIZE = (120, 40)


SECTION = """## Step {n}: reading the orders

The handler below reads the orders table and keeps the rows whose total is above the
threshold the caller passed in. It runs in a transaction so the counts stay consistent,
and it logs how long the query took, which helps when the table grows. **Note** that the
`total` column is in cents, so compare it with an integer, never a float.

- open the database read-only
- run the query with a bound parameter, never string formatting
- close the cursor even when the query fails

```python
def orders_above_{n}(db, threshold: int) -> list[dict]:
    started = time.perf_counter()
    with db:
        rows = db.execute(
            "SELECT id, customer_id, total FROM orders WHERE total > ?", (threshold,)
        ).fetchall()
    log.info("query took %.3f s", time.perf_counter() - started)
    return [dict(zip(("id", "customer", "total"), row)) for row in rows]
```

"""
TABLE = """| step | rows | seconds |
|---|---|---|
| {n} | {rows} | 0.{n:03d} |

"""


def markdown_tokens(count: int, per_piece: int = 4) -> list[str]:
    """About `count` cl100k tokens of Markdown (paragraphs, lists, code blocks, now and then
    a table), cut into pieces of `per_piece` tokens as a fast provider streams them."""
    from mcp_tui.store.tokens import _encoding

    encoding = _encoding()
    parts, tokens, n = [], 0, 0
    while tokens < count:
        part = SECTION.format(n=n) + (TABLE.format(n=n, rows=n * 7) if n % 8 == 7 else "")
        parts.append(part)
        tokens += len(encoding.encode(part))
        n += 1
    ids = encoding.encode("".join(parts))[:count]
    return [encoding.decode(ids[i : i + per_piece]) for i in range(0, len(ids), per_piece)]


def make_app(base_url: str):
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.ui.app import McpTuiApp
    from tests.engine_helpers import engine_settings

    return McpTuiApp(ChatEngine(engine_settings(base_url, persist=False), []))


async def throughput() -> tuple[float, bool]:
    from mcp_tui.ui.widgets.chat import AssistantMessage
    from mcp_tui.ui.widgets.prompt_input import PromptInput

    pieces = markdown_tokens(TOKENS)
    with OpenAIServer() as server:
        server.enqueue(text("warm-up"), text(*pieces))
        app = make_app(server.base_url)
        async with app.run_test(size=SIZE) as pilot:
            prompt = app.query_one(PromptInput)

            async def send(words: str) -> None:
                answers = len(app.query(AssistantMessage))
                prompt.load_text(words)
                await pilot.press("enter")
                while app.engine.busy or app._answer is not None or len(app.query(AssistantMessage)) == answers:
                    await asyncio.sleep(0.001)
                await pilot.pause()

            await send("warm up")  # first request: imports and connections, not streaming
            started = time.perf_counter()
            await send("stream")
            elapsed = time.perf_counter() - started
            answer = app.query(AssistantMessage).last()
            correct = answer.text == "".join(pieces) and answer.source == answer.text
        await app.engine.aclose()
    return TOKENS / elapsed, correct


async def latency(rate: float = 2000.0, seconds: float = 5.0) -> list[float]:
    from mcp_tui.ui.widgets.prompt_input import PromptInput

    count = int(rate * seconds)
    pieces = markdown_tokens(count)
    with OpenAIServer() as server:
        server.enqueue(text("warm-up"), text(*pieces, delay=seconds / len(pieces)))  # `rate` tokens a second
        app = make_app(server.base_url)
        samples: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            prompt = app.query_one(PromptInput)
            for words in ("warm up", "stream"):
                turns = sum(m.role.value == "user" for m in app.engine.context.history.messages)
                prompt.load_text(words)
                await pilot.press("enter")
                while sum(m.role.value == "user" for m in app.engine.context.history.messages) == turns:
                    await asyncio.sleep(0.001)
                while words == "warm up" and app.engine.busy:
                    await asyncio.sleep(0.001)
            await asyncio.sleep(0.3)  # well into the stream
            while app.engine.busy and len(samples) < 60:
                before = prompt.text
                started = time.perf_counter()
                # As the terminal driver delivers a key (Pilot.press would also wait for idle).
                app.post_message(events.Key("x", "x"))
                while prompt.text == before:
                    await asyncio.sleep(0.0005)
                samples.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.05)
            app.engine.cancel()
        await app.engine.aclose()
    return samples


def run(runs: int) -> list[Measure]:
    rates, correct = [], True
    for _ in range(runs):
        rate, ok = asyncio.run(throughput())
        rates.append(rate)
        correct = correct and ok
    samples = [asyncio.run(latency()) for _ in range(runs)]
    p95s = [p95(s) for s in samples if s]
    return [
        Measure(f"streaming {TOKENS:,} Markdown tokens through the app", "tokens/s", rates, "≥ 20,000 tokens/s, final screen correct",
                median(rates) >= 20_000 and correct, note="final text correct" if correct else "FINAL TEXT WRONG"),
        Measure("keypress to echo while 2,000 tokens/s stream", "ms, p95 per run", p95s, "p95 ≤ 50 ms", max(p95s) <= 50,
                note=f"{sum(len(s) for s in samples)} keys, median {median([x for s in samples for x in s]):.1f} ms"),
    ]
