"""Snapshots of the block cursor on a block and of the chat search bar (120x40 and 80x24)."""

from __future__ import annotations

import pytest

from mcp_tui.models.events import TextDelta, ToolCallFinished, TurnFinished
from mcp_tui.ui.widgets.chat_search import ChatSearch
from tests.test_ui_snapshots import feed, requested, servers, user_says
from tests.ui_helpers import make_app, settle, until

pytestmark = pytest.mark.usefixtures("fixed_message_times")

ANSWER = "Two tables hold the orders:\n\n```sql\nSELECT COUNT(*) FROM orders;\n```\n\nAsk for more."


async def conversation(app) -> None:
    servers(app)
    await user_says(app, "how many orders?")
    await feed(app, requested("c1"), ToolCallFinished(call_id="c1", server="sqlite", tool="list_tables", qualified_name="sqlite__list_tables", result="orders", duration=0.12))
    await feed(app, TextDelta(text=ANSWER), TurnFinished(content=ANSWER, rounds=2))


def shot(snap_compare, size, keys) -> bool:
    app = make_app()

    async def run_before(pilot):
        await conversation(app)
        await settle(pilot, app)
        await pilot.press(*keys)
        if app.query_one(ChatSearch).is_open:
            app.query_one("#chat-search-query").cursor_blink = False  # a blinking cursor would make the picture change
            await until(pilot, lambda: "of" in str(app.query_one("#chat-search-count").render()))
        await settle(pilot, app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_cursor_on_a_code_block(snap_compare, size):
    assert shot(snap_compare, size, ["ctrl+up"])


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_cursor_on_a_tool_chip(snap_compare, size):
    assert shot(snap_compare, size, ["ctrl+up", "up", "up"])


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_search_bar_with_a_match(snap_compare, size):
    assert shot(snap_compare, size, ["ctrl+f", *"orders"])
