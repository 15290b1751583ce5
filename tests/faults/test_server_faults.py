"""MCP servers that do not exist, die, hang, babble or flood: the state says why, the call
ends with a tool message, the chat goes on, the server can be restarted."""

from __future__ import annotations

import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.models.events import ToolCallFailed, ToolCallFinished, TurnFinished
from tests.engine_helpers import run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS, SHORT
from tests.support.openai_server import call, text, tool_calls


def status(engine, name="u"):
    return next(s for s in engine.servers.statuses() if s.name == name)


@pytest.mark.parametrize(
    "server, reason",
    [
        (ServerConfig(name="u", command="/nonexistent/mcp-server-nope"), "not found"),
        (unruly_server("u", "--exit-at-start"), "refusing to start (--exit-at-start)"),
    ],
    ids=["command-missing", "exits-at-start"],
)
async def test_a_server_that_cannot_start_says_why_and_the_chat_goes_on(openai_server, make_engine, server, reason):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "hi"}, id="c1")), text("the tool is not there"), text("still here"))
    engine = await make_engine([server])
    await engine.servers.wait_settled(GENEROUS)
    assert status(engine).state.value == "failed" and reason in status(engine).reason
    events = await run(engine, "use the tool")
    failed = [e for e in events if isinstance(e, ToolCallFailed)]
    assert [e.kind for e in failed] == ["unknown_tool"]  # the model is told there is no such tool now
    assert "no tool named 'u__echo'" in openai_server.requests[1]["messages"][-1]["content"]
    assert (await run(engine, "and now?"))[-1].content == "still here"
    assert_nothing_lost(engine, openai_server)


async def test_exit_mid_call_then_restart(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__crash", "{}", id="c1")), text("it died"), tool_calls(call("u__echo", {"text": "back"}, id="c2")), text("works again"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "crash it")
    failed = next(e for e in events if isinstance(e, ToolCallFailed))
    assert failed.kind == "failed" and status(engine).state.value == "exited"
    assert "crashing now" in status(engine).reason  # its last stderr line
    tool_message = openai_server.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "c1" and "Error" in tool_message["content"]
    await engine.restart_server("u")
    await engine.servers.wait_settled(GENEROUS)
    events = await run(engine, "again")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["back"] and events[-1].content == "works again"
    assert_nothing_lost(engine, openai_server)


async def test_hang_past_the_timeout_leaves_the_server_usable(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h")), text("timed out"), tool_calls(call("u__echo", {"text": "alive"}, id="e")), text("ok"))
    engine = await make_engine([unruly_server()], tool_timeout=SHORT)
    events = await run(engine, "hang")
    assert [e.kind for e in events if isinstance(e, ToolCallFailed)] == ["timeout"]
    assert f"did not answer within {SHORT:g}s" in openai_server.requests[1]["messages"][-1]["content"]
    engine.servers.call_timeout = GENEROUS  # the echo that follows must not race a short limit
    events = await run(engine, "echo")
    assert [e.result for e in events if isinstance(e, ToolCallFinished)] == ["alive"]
    assert status(engine).state.value == "ready"
    assert_nothing_lost(engine, openai_server)


async def test_junk_on_stdout_and_a_stderr_flood_do_not_break_the_session(openai_server, make_engine, capfd, tmp_path):
    openai_server.enqueue(tool_calls(call("j__echo", {"text": "one"}, id="1"), call("f__echo", {"text": "two"}, id="2")), text("both fine"))
    engine = await make_engine([unruly_server("j", "--junk-stdout"), unruly_server("f", "--flood-stderr")])
    await engine.servers.wait_settled(GENEROUS)
    assert [s.state.value for s in engine.servers.statuses()] == ["ready", "ready"]
    events = await run(engine, "echo twice")
    assert sorted(e.result for e in events if isinstance(e, ToolCallFinished)) == ["one", "two"]
    assert isinstance(events[-1], TurnFinished)
    assert "flood line" not in capfd.readouterr().err  # the flood went to the log file, not the terminal
    from mcp_tui import paths

    assert "unruly stderr flood line 1999" in (paths.log_dir() / "servers" / "f.log").read_text()
    assert_nothing_lost(engine, openai_server)
