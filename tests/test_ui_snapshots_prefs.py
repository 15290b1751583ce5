"""Snapshots of the approval dialog (a destructive, open-world tool) and of the Trusted tools
screen, at 120x40 and 80x24. Behaviour: test_ui_preferences.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_tui.config.preferences import AllowRule, SavedTrust
from mcp_tui.engine.approval import ApprovalRequest
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.screens.trusted import TrustedToolsScreen
from tests.test_ui_snapshots import servers
from tests.ui_helpers import make_app, settle

pytestmark = pytest.mark.usefixtures("fixed_message_times")

SIZES = [(120, 40), (80, 24)]


def shot(snap_compare, app, steps, size) -> bool:
    async def run_before(pilot):
        await steps(pilot)
        await settle(pilot, app)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_approval_dialog_marks_a_destructive_open_world_tool(snap_compare, size):
    app = make_app()
    annotations = {"title": "Delete [bold]rows[/bold]\x1b[31m", "read_only": False, "destructive": True, "idempotent": False, "open_world": True}
    request = ApprovalRequest(call_id="c1", server="sqlite", tool="write_query", qualified_name="sqlite__write_query",
                              arguments={"query": "DELETE FROM orders WHERE id = 3"}, annotations=annotations)

    async def run_before(pilot):
        servers(app)
        app.push_screen(ApprovalScreen(request))

    assert shot(snap_compare, app, run_before, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_trusted_tools_screen(snap_compare, size):
    app = make_app()
    trust = SavedTrust(Path("/home/me/.config/mcp-tui/settings.toml"))  # no such file: a fixed path to show
    trust.rules = [AllowRule(server="sqlite", tool="write_query"), AllowRule(server="time"), AllowRule(server="helper\x1b]52;c;aGk=\x07", tool="run")]

    async def run_before(pilot):
        servers(app)
        app.push_screen(TrustedToolsScreen(trust))

    assert shot(snap_compare, app, run_before, size)
