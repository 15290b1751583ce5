"""Tools that raise, return errors, megabytes, images or resources: shown (bounded on screen,
all of it one key away), bounded for the model, and the app keeps answering keys."""

from __future__ import annotations

from mcp_tui.models.events import ToolCallFinished
from mcp_tui.ui.screens.tool_detail import SHOWN_CHARS, ToolDetailScreen
from mcp_tui.ui.widgets.sidebar import Sidebar
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, turn, until, on_top

MB5 = 5 * 1024 * 1024


async def test_raise_and_is_error_reach_the_model_as_errors(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__fail", "{}", id="f"), call("u__error_result", "{}", id="e")), text("both failed"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "fail twice")
    finished = {e.call_id: e for e in events if isinstance(e, ToolCallFinished)}
    assert finished["f"].is_error and finished["f"].result == "Error executing tool fail"  # the SDK hides the exception text
    assert finished["e"].is_error and finished["e"].result == "something went wrong"
    told = {m["tool_call_id"]: m["content"] for m in openai_server.requests[1]["messages"] if m["role"] == "tool"}
    assert "Error executing tool fail" in told["f"] and "something went wrong" in told["e"]
    assert_nothing_lost(engine, openai_server)


async def test_five_megabytes_are_bounded_for_the_model_but_kept_whole(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__big", {"megabytes": 5}, id="b")), text("that was big"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "big")
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert len(finished.result) == MB5  # the screen gets all of it
    sent = openai_server.requests[1]["messages"][-1]["content"]
    assert len(sent) < 101_000 and f"of {MB5:,} characters cut" in sent
    assert_nothing_lost(engine, openai_server)


async def test_images_and_embedded_resources_are_described(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__image", "{}", id="i"), call("u__resource", "{}", id="r")), text("seen"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "show me")
    results = {e.call_id: e.result for e in events if isinstance(e, ToolCallFinished)}
    assert "image/png" in results["i"]
    assert "embedded notes" in results["r"] and "application/octet-stream" in results["r"]
    assert_nothing_lost(engine, openai_server)


async def test_the_screen_shows_a_bounded_part_saves_all_and_keeps_answering_keys(openai_server):
    openai_server.enqueue(tool_calls(call("u__big", {"megabytes": 5}, id="big-1")), text("done"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "big")
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        shown = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert f"{MB5 - SHOWN_CHARS:,} more characters not shown" in shown
        await pilot.press("s")
        await until(pilot, lambda: app.screen.saved_to is not None)
        assert app.screen.saved_to.stat().st_size == MB5
        await pilot.press("escape")
        sidebar = app.query_one(Sidebar)
        shown_before = sidebar.display
        await pilot.press("ctrl+b")  # still answering keys after drawing a 5 MB result
        await until(pilot, lambda: sidebar.display != shown_before)
