"""Snapshots of the layout at the sizes it changes at: 80×24 (sidebar folded, and shown over
the chat with Ctrl+B) and 200×60, with a long server name and arguments in the timeline."""

from __future__ import annotations

import pytest

from mcp_tui.models.events import ServerStateChanged, ToolCallAwaitingApproval, ToolCallFinished, ToolCallRequested
from tests.test_ui_snapshots import servers, user_says
from tests.ui_helpers import T0, make_app, settle

pytestmark = pytest.mark.usefixtures("fixed_message_times")

LONG = "customer-database-staging"


def calls(app):
    async def feed(event):
        await app.on_turn_event(event)

    async def run():
        ids = dict(server=LONG, tool="query", qualified_name=f"{LONG}__query")
        sql = {"sql": "SELECT id, name, email, created_at FROM customers WHERE country = 'NZ' ORDER BY created_at DESC"}
        await feed(ToolCallRequested(call_id="q1", **ids, arguments=sql, at=T0))
        await feed(ToolCallFinished(call_id="q1", **ids, result="12 rows", duration=0.42, at=T0))
        await feed(ToolCallRequested(call_id="q2", **ids, arguments=sql, at=T0 + 2))
        await feed(ToolCallAwaitingApproval(call_id="q2", **ids, arguments=sql, at=T0 + 2))

    return run


@pytest.mark.parametrize("size, keys", [((80, 24), ()), ((80, 24), ("ctrl+b",)), ((200, 60), ())], ids=["80x24", "80x24-sidebar", "200x60"])
def test_layout(snap_compare, size, keys):
    app = make_app()

    async def run_before(pilot):
        servers(app)
        app.handle_engine_event(ServerStateChanged(name=LONG, state="ready", tool_count=1, tool_tokens=90, at=T0))
        await user_says(app, "show the newest customers from New Zealand")
        await calls(app)()
        for key in keys:
            await pilot.press(key)
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
