"""A tool result nested 10,000 deep opens in the detail view as text; the app stays up
(issue 12, item 10)."""

from __future__ import annotations

from textual.widgets import Static

from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from tests.engine_helpers import unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn

DEEP = "[" * 10_000 + "]" * 10_000


async def test_detail_of_a_10000_deep_result_shows_it_as_text(openai_server):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": DEEP}, id="deep")), text("ok"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "echo something deep")
        await pilot.press("ctrl+t", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ToolDetailScreen) and app.is_running
        assert app.screen.record.result == DEEP
        shown = [str(w.render()) for w in app.screen.query(Static)]
        assert any(DEEP[:200] in s for s in shown)  # the text itself, not an error
        await pilot.press("escape")
        assert not isinstance(app.screen, ToolDetailScreen)


def test_json_nested_too_deep_to_indent_is_shown_as_sent():
    from rich.syntax import Syntax
    from rich.text import Text

    from mcp_tui.ui.screens.tool_detail import pretty

    assert isinstance(pretty("[" * 500 + "]" * 500), Text)  # parses, but indenting it would take 250,000 spaces
    assert isinstance(pretty('{"a": [1, {"b": 2}]}'), Syntax)
