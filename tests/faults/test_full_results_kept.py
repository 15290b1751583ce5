"""A tool result bigger than the model's bound (100,000 characters) is kept whole beside the
session, so after a resume the tool detail view and `s` still have all of it, while the
model still gets the bounded text."""

from __future__ import annotations

import stat

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import MessageRole
from mcp_tui.store.session_listing import find_session
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from tests.engine_helpers import engine_settings, run, unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import turn, until, on_top

MB2 = 2 * 1024 * 1024


async def test_the_whole_result_survives_a_resume(openai_server):
    openai_server.enqueue(tool_calls(call("u__big", {"megabytes": 2}, id="big-1")), text("that was big"), text("still bounded"))
    engine = ChatEngine(engine_settings(openai_server.base_url), [unruly_server()])
    await engine.start()
    try:
        await run(engine, "big")
        session_id = engine.recorder.session_id
    finally:
        await engine.aclose()
    record = find_session(session_id)
    saved = next(m for m in record.messages if m.role is MessageRole.TOOL)
    assert len(saved.content) < 101_000  # the session file holds what the model got

    resumed = McpTuiApp(ChatEngine(engine_settings(openai_server.base_url), [unruly_server()], resume=record))
    async with resumed.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: resumed.engine is not None and len(resumed.engine.context.history.messages) > 1)
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: on_top(resumed, ToolDetailScreen))
        assert len(resumed.screen.record.result) == MB2
        await pilot.press("s")
        await until(pilot, lambda: resumed.screen.saved_to is not None)
        assert resumed.screen.saved_to.stat().st_size == MB2
        await pilot.press("escape")
        await turn(pilot, "and now?")
    told = [m["content"] for m in openai_server.requests[-1]["messages"] if m["role"] == "tool"]
    assert len(told) == 1 and len(told[0]) < 101_000  # the model still gets the bounded copy
    kept = list(record.path.with_suffix(".results").iterdir())
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(kept[0].parent.stat().st_mode) == 0o700
