"""Snapshots of a server's question (elicitation): the form built from a schema of every field
kind, with the server's untrusted words shown as plain text, and the URL dialog; at 120x40 and
80x24. Behaviour: test_ui_elicitation.py."""

from __future__ import annotations

import pytest

from mcp_tui.engine.elicitation import ElicitationRequest
from mcp_tui.models.elicitation import parse_form
from mcp_tui.ui.screens.elicitation import ElicitationScreen, UrlElicitationScreen
from tests.test_elicitation import SCHEMA
from tests.test_ui_snapshots_prefs import SIZES, shot
from tests.ui_helpers import make_app

pytestmark = pytest.mark.usefixtures("fixed_message_times")

async def quiet(pilot) -> None:
    """The prompt under the dialog without focus: its cursor was in the picture or not, by timing."""
    pilot.app.set_focus(None)
    await pilot.pause()


MESSAGE = "Who are you? [bold]not markup[/bold]\x1b[31m (and no escapes)"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_elicitation_form(snap_compare, size):
    app = make_app()
    request = ElicitationRequest(server="crm[red]x[/red]", mode="form", message=MESSAGE, fields=parse_form(SCHEMA))

    async def run_before(pilot):
        await quiet(pilot)
        app.push_screen(ElicitationScreen(request))

    assert shot(snap_compare, app, run_before, size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_elicitation_url_dialog(snap_compare, size):
    app = make_app()
    request = ElicitationRequest(server="shop", mode="url", message="Pay for order 7 in your browser.",
                                 url="https://pay.example.com/checkout?order=7", elicitation_id="e-7")

    async def run_before(pilot):
        await quiet(pilot)
        app.push_screen(UrlElicitationScreen(request))

    assert shot(snap_compare, app, run_before, size)
