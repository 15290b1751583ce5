"""One tool listed with an invalid inputSchema is skipped with a note; the server and its
other tools stay usable."""

from __future__ import annotations

import logging

from mcp_tui.models.events import ToolCallFailed, ToolCallFinished
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls


async def test_a_tool_with_an_invalid_schema_is_skipped_and_the_rest_work(openai_server, make_engine, caplog):
    caplog.set_level(logging.WARNING, logger="mcp_tui.servers")
    openai_server.enqueue(
        tool_calls(call("u__echo", {"text": "good"}, id="e"), call("u__broken_schema", "{}", id="b")), text("one of two")
    )
    engine = await make_engine([unruly_server("u", "--broken-schema")])
    await engine.servers.wait_settled(GENEROUS)
    status = next(s for s in engine.servers.statuses() if s.name == "u")
    assert status.state.value == "ready", status.reason
    assert "skipped tool broken_schema: invalid inputSchema" in (status.reason or "")  # visible in the sidebar
    assert "skipped tool broken_schema: invalid inputSchema" in caplog.text  # and in the log
    names = [t.name for t in engine.servers.tools() if t.server == "u"]
    assert "echo" in names and "broken_schema" not in names
    events = await run(engine, "use both")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["good"]
    assert [(e.call_id, e.kind) for e in events if isinstance(e, ToolCallFailed)] == [("b", "unknown_tool")]
    assert_nothing_lost(engine, openai_server)
