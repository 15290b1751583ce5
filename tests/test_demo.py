"""The demo guide: a chuk-llm provider that plans real tool calls from the user's words."""

from __future__ import annotations

import pytest

from mcp_tui.config.settings import Settings
from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.llm.demo_planner import plan
from mcp_tui.models.approval import ApprovalMode
from mcp_tui.models.messages import validate_llm_messages
from tests.engine_helpers import kinds, run, time_server

TIME_TOOLS = [{"type": "function", "function": {"name": "time__get_current_time"}}]


@pytest.fixture
async def demo_engine():
    engines = []

    def make(servers, **overrides):
        settings = Settings(provider="demo", approve=ApprovalMode.AUTO, persist=False, server_wait=15.0, **overrides)
        engine = ChatEngine(settings, servers)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.aclose()


async def test_time_in_two_cities_calls_the_real_time_server_twice(demo_engine):
    engine = demo_engine([time_server()])
    await engine.start()
    events = await run(engine, "what time is it in Tokyo and in London?")
    calls = [e for e in events if e.type == "tool_requested"]
    assert [c.arguments["timezone"] for c in calls] == ["Asia/Tokyo", "Europe/London"]
    assert kinds(events).count("tool_finished") == 2 and kinds(events)[-1] == "turn_finished"
    answer = events[-1].content
    assert "In **Asia/Tokyo** it is" in answer and "In **Europe/London** it is" in answer
    # the first answer of a conversation says what the demo is
    first_text = "".join(e.text for e in events if e.type == "text_delta")
    assert first_text.startswith("**This is the demo guide, not a language model.**")
    messages = await engine.context.get_messages_for_llm()
    validate_llm_messages(messages)
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "tool", "tool", "assistant"]
    # ... and how to connect a real model, once
    assert "Connect a real model" in answer
    again = await run(engine, "and the time in Paris?")
    assert "In **Europe/Paris** it is" in again[-1].content and "Connect a real model" not in again[-1].content


async def test_without_the_server_it_says_so_and_how_to_fix_it(demo_engine):
    engine = demo_engine([])
    await engine.start()
    events = await run(engine, "what time is it?")
    assert "tool_requested" not in kinds(events)
    assert "The time server is not connected" in events[-1].content


async def test_anything_else_gets_suggestions_and_how_to_connect_a_model(demo_engine):
    engine = demo_engine([time_server()])
    await engine.start()
    await run(engine, "hi")
    events = await run(engine, "write me a poem")
    answer = events[-1].content
    assert "This is the demo guide" not in answer  # only the first answer introduces it
    assert "Connect a real model" in answer and "--doctor" in answer


def test_a_refused_call_is_reported_not_invented():
    messages = [
        {"role": "user", "content": "time in Paris"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "time__get_current_time", "arguments": '{"timezone": "Europe/Paris"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "The user refused to run this tool. Do not call it again unless the user asks."},
    ]
    reply = plan(messages, TIME_TOOLS)
    assert not reply.calls and "did not give a result" in reply.text and "refused" in reply.text


def test_an_iana_zone_in_the_words_is_used_as_is():
    reply = plan([{"role": "user", "content": "what's the time in America/Argentina/Cordoba"}], TIME_TOOLS)
    assert reply.calls == [("time__get_current_time", {"timezone": "America/Argentina/Cordoba"})]


async def test_the_tui_on_the_demo_shows_the_call_and_the_answer():
    from mcp_tui.llm.resolve import Flags, resolve
    from mcp_tui.ui.app import McpTuiApp
    from mcp_tui.ui.widgets.chat import AssistantMessage
    from mcp_tui.ui.widgets.sidebar import Sidebar
    from mcp_tui.ui.widgets.token_gauge import TokenGauge
    from tests.ui_helpers import states, turn

    resolution = resolve(Flags(), {}, ollama=lambda: (None, "nothing answering"), local=lambda: (None, "", "not installed"))
    settings = Settings(persist=False, server_wait=15.0).resolved(resolution)
    app = McpTuiApp(ChatEngine(settings, [time_server()]))
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.sub_title.startswith("DEMO guide (not a model)")
        assert "✓ demo" in str(app.query_one("#model-choice").render())
        await turn(pilot, "what time is it in Tokyo?")
        assert states(app) == ["done"]
        record = next(iter(app.query_one("#timeline").records.values()))
        assert record.label == "time.get_current_time" and record.arguments == {"timezone": "Asia/Tokyo"}
        assert "Asia/Tokyo" in record.result
        assert "In **Asia/Tokyo** it is" in app.query(AssistantMessage).last().text
        assert app.query_one(TokenGauge).used > 0
        assert app.query_one(Sidebar).model_label == "DEMO guide (not a model)"
