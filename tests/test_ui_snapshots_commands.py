"""Snapshots of the model picker and the slash-command completion list."""

from __future__ import annotations

import pytest

from mcp_tui.ui.screens.models import ModelPicker
from mcp_tui.ui.widgets.completion import CompletionList
from mcp_tui.ui.widgets.prompt_input import PromptInput
from tests.ui_helpers import make_app, on_top, ready, settle, until

pytestmark = pytest.mark.usefixtures("fixed_message_times")


def servers(app) -> None:
    app.handle_engine_event(ready("time", 2))
    app.handle_engine_event(ready("sqlite", 4))


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_model_picker(snap_compare, size):
    app = make_app(persist=False)

    async def run_before(pilot):
        servers(app)
        await pilot.press("f4")
        await until(pilot, lambda: on_top(app, ModelPicker))
        app.screen.query_one("#model-filter").cursor_blink = False
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_completion_list(snap_compare, size):
    app = make_app(persist=False)

    async def run_before(pilot):
        servers(app)
        app.query_one(PromptInput).focus()
        await pilot.press("/", "c")
        await until(pilot, lambda: app.query_one(CompletionList).is_open)
        await pilot.press("down")
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
