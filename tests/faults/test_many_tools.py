"""Thousands of tools are sent with every request: the user is told how much (tools, KiB of
schemas, tokens), once per change of the tool set, on both faces."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from mcp_tui.config.models import ServerConfig
from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.headless import run_headless
from mcp_tui.models.events import ToolSchemasLarge
from mcp_tui.ui.widgets.chat import InfoNote
from tests.engine_helpers import engine_settings, run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.openai_server import text
from tests.ui_helpers import make_app, turn

MANY = str(Path(__file__).parents[1] / "servers" / "many_tools_server.py")


def many_tools(count: int) -> ServerConfig:
    return ServerConfig(name="many", command=sys.executable, args=[MANY, "--tools", str(count)])


def warnings(events) -> list[ToolSchemasLarge]:
    return [e for e in events if isinstance(e, ToolSchemasLarge)]


async def test_two_thousand_tools_are_announced_once(openai_server, make_engine):
    openai_server.enqueue(text("one"), text("two"))
    engine = await make_engine([many_tools(2000)], max_tools=0)  # no cap: all 2,000 are sent
    first, second = await run(engine, "hi"), await run(engine, "again")
    (warning,) = warnings(first)
    assert len(openai_server.requests[0]["tools"]) == warning.tools == 2000
    assert warning.schema_bytes > 64 * 1024 and warning.tokens > 0
    assert re.fullmatch(
        r"2,000 tools, \d+ KiB of schemas \(~[\d,]+ tokens, \d+% of the 150,000-token threshold\) are sent with every request; disable servers you don't need\.",
        warning.message,
    ), warning.message
    assert warnings(second) == []  # the same tool set: said once
    assert_nothing_lost(engine, openai_server)


async def test_a_small_tool_set_is_not_announced(openai_server, make_engine):
    openai_server.enqueue(text("fine"))
    engine = await make_engine([unruly_server()])
    assert warnings(await run(engine, "hi")) == []


async def test_headless_prints_the_warning_on_stderr(openai_server):
    openai_server.enqueue(text("answer"))
    engine = ChatEngine(engine_settings(openai_server.base_url), [many_tools(120)])
    out, err = io.StringIO(), io.StringIO()
    assert await run_headless(engine, "hi", out=out, err=err) == 0
    assert out.getvalue() == "answer\n"
    assert "120 tools, " in err.getvalue() and "disable servers you don't need" in err.getvalue()


async def test_the_tui_shows_the_warning(openai_server):
    openai_server.enqueue(text("answer"))
    app = make_app(openai_server.base_url, [many_tools(120)], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "hi")
        await pilot.pause()
        assert any("120 tools, " in str(note.render()) for note in app.query(InfoNote))
