"""Snapshots of the sampling approval dialog (a server's request with untrusted text, model
wishes and a long message), at 120x40 and 80x24. Behaviour: test_sampling.py."""

from __future__ import annotations

import pytest

from mcp_tui.engine.sampling import SamplingRequest
from mcp_tui.ui.screens.sampling import SamplingScreen
from tests.test_ui_snapshots_prefs import SIZES, shot
from tests.ui_helpers import make_app

pytestmark = pytest.mark.usefixtures("fixed_message_times")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sampling_dialog(snap_compare, size):
    app = make_app()
    request = SamplingRequest(
        server="everything\x1b[31m",
        system_prompt="You are a helpful test server. [bold]Not markup[/bold]",
        messages=[
            ("user", "Resource trigger-sampling-request context: summarise the open issues in three lines."),
            ("assistant", "Which repository?"),
            ("user", "The one in the working folder. " * 6),
        ],
        max_tokens=400,
        temperature=0.7,
        model_hints=["claude-3-sonnet", "gpt-4o"],
        priorities={"cost": 0.3, "speed": 0.8},
        model="openai/test-model",
    )

    async def run_before(pilot):  # no server states: an exit's toast would be in the picture or not, by timing
        app.push_screen(SamplingScreen(request))

    assert shot(snap_compare, app, run_before, size)
