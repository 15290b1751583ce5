"""Truthful tokens and cost: the figures equal what the provider reported, or are marked as
estimates close to what was really sent; segments roll on what is really sent."""

from __future__ import annotations

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.engine.summary import SUMMARY_PROMPT
from mcp_tui.models.events import SegmentRolled, TurnFailed, UsageUpdated
from mcp_tui.store.model_facts import price_for
from mcp_tui.store.session_file import find_session
from tests.engine_helpers import assert_every_request_valid, engine_settings, run, unruly_server
from tests.support.openai_server import (
    OpenAIServer,
    Text,
    call,
    count_reply_tokens,
    count_request_tokens,
    text,
    tool_calls,
)

RESULT_MB = 12_000 / 2**20  # `big` returns that many x's: ~1,500 tokens


def last_usage(events) -> UsageUpdated:
    return [e for e in events if isinstance(e, UsageUpdated)][-1]


async def test_figures_equal_what_the_provider_reported(openai_server, make_engine):
    replies = [tool_calls(call("u__echo", {"text": "four"}, id="c1")), text("It said four.")]
    openai_server.cached_tokens = 10
    openai_server.enqueue(*replies)
    engine = await make_engine([unruly_server()], model="gpt-4o-mini")
    events = await run(engine, "echo four")
    usage = last_usage(events).usage
    sent = openai_server.prompt_tokens
    assert len(sent) == 2
    assert usage.prompt_tokens == sum(sent) and usage.completion_tokens == sum(count_reply_tokens(r) for r in replies)
    assert (usage.requests, usage.reported_requests, usage.totals_source, usage.cached_tokens) == (2, 2, "provider", 20)
    price = price_for("openai", "gpt-4o-mini")
    assert usage.cost == sum(price.cost(p, count_reply_tokens(r), 10) for p, r in zip(sent, replies))
    # Tool results and schemas count: the second request held the first's prompt and more.
    assert sent[1] > sent[0] > usage.schema_tokens > 0
    # The context is anchored on the provider's figure: the next request is what it says, plus the new message.
    assert usage.context_source == "provider"
    openai_server.enqueue(text("ok"))
    await run(engine, "thanks")
    assert abs(openai_server.prompt_tokens[2] - (usage.context_tokens + engine.context.text_tokens("thanks"))) <= 5
    # The SessionManager was fed the same figures.
    stats = await engine.context.tracker.manager.get_stats()
    assert stats.total_tokens == engine.context.token_stats.total_tokens


async def test_estimates_are_marked_and_close_to_what_was_sent(make_engine):
    with OpenAIServer(report_usage=False) as server:
        server.enqueue(tool_calls(call("u__big", {"megabytes": RESULT_MB}, id="c1")), text("That was long."), text("ok"))
        engine = await make_engine([unruly_server()], base_url=server.base_url)
        usage = last_usage(await run(engine, "a big one please")).usage
        assert (usage.totals_source, usage.context_source) == ("estimate", "estimate")
        assert usage.totals_text(usage.total_tokens).startswith("~") and usage.context_text().startswith("~")
        assert usage.cost is None and usage.cost_text() == "no price"  # test-model has no known price: no default rate
        await run(engine, "thanks")
        actual = count_request_tokens(server.requests[-1])  # a tiktoken count of the request as sent
        shown = usage.context_tokens + engine.context.text_tokens("thanks")
        assert actual > 1_500 and abs(shown - actual) <= 0.10 * actual, (shown, actual)


def overflow_responder(body: dict):
    """Calls `big` for every question, answers after its result, summarises when asked."""
    messages = body["messages"]
    if messages[0]["content"] == SUMMARY_PROMPT:
        return text("SUMMARY: the user asked for big results, one per turn.")
    if messages[-1]["role"] == "tool":
        return text("Here is what the tool gave: a long run of x.")
    return tool_calls(call("u__big", {"megabytes": RESULT_MB}))


async def test_eight_tool_heavy_turns_fit_a_small_window_by_rolling():
    with OpenAIServer(overflow_responder, context_window=8_000) as server:
        engine = ChatEngine(engine_settings(server.base_url, token_threshold=5_000), [unruly_server()])
        await engine.start()
        events = []
        try:
            for i in range(8):
                events += await run(engine, f"turn {i}: the big result again")
        finally:
            await engine.aclose()
        assert not [e for e in events if isinstance(e, TurnFailed)]
        rolls = [e for e in events if isinstance(e, SegmentRolled)]
        assert len(rolls) >= 2 and all("threshold" in r.reason or "tool results" in r.reason for r in rolls)
        assert max(server.prompt_tokens) <= 8_000
        assert_every_request_valid(server)
        saved = find_session(engine.recorder.session_id)
        assert len(saved.segments) == len(rolls) and saved.usage.requests == len(server.requests)


async def test_context_length_exceeded_rolls_and_asks_again_once():
    answers = iter(["first answer " * 200, "second answer " * 200, "third"])  # ~400 tokens each

    def responder(body):
        if body["messages"][0]["content"] == SUMMARY_PROMPT:
            return text("SUMMARY of the first two questions")
        return Text([next(answers)])

    with OpenAIServer(responder, context_window=700) as server:
        engine = ChatEngine(engine_settings(server.base_url), [])  # threshold 150k: the meter cannot know
        await engine.start()
        try:
            await run(engine, "one")
            await run(engine, "two")
            events = await run(engine, "three")
        finally:
            await engine.aclose()
        assert engine.context.window == 700  # learned from the provider's error
        assert engine.context.token_threshold < 700
    rolled = [e for e in events if isinstance(e, SegmentRolled)]
    assert len(rolled) == 1 and "asked again" in rolled[0].reason
    assert not [e for e in events if isinstance(e, TurnFailed)] and engine.context.history.messages[-1].content == "third"


async def test_switching_a_servers_tools_off_changes_the_context_at_once(openai_server, make_engine):
    openai_server.enqueue(text("a"), text("b"))
    engine = await make_engine([unruly_server()])
    with_tools = last_usage(await run(engine, "hi")).usage
    assert with_tools.schema_tokens > 100
    engine.set_tools_on("u", False)
    await engine.conversation.refresh_tools(lambda e: None)
    off = (await engine.conversation.usage_event()).usage
    assert off.schema_tokens == 0 and off.context_tokens < with_tools.context_tokens - 100
    await run(engine, "again")
    assert "tools" not in openai_server.requests[-1]
    assert engine.server_event(engine.servers.statuses()[0]).tools_on is False


async def test_a_resumed_session_shows_its_figures_before_any_turn(openai_server):
    openai_server.enqueue(tool_calls(call("u__echo", {"text": "x"}, id="c1")), text("done"))
    engine = ChatEngine(engine_settings(openai_server.base_url), [unruly_server()])
    await engine.start()
    try:
        before = last_usage(await run(engine, "echo x")).usage
    finally:
        await engine.aclose()
    record = find_session(engine.recorder.session_id)
    assert record.usage.requests == 2 and record.usage.totals_source == "provider"
    resumed = ChatEngine(engine_settings(openai_server.base_url), [], resume=record)
    await resumed.start()
    try:
        stats = resumed.context.token_stats
        assert (stats.total_tokens, stats.requests, stats.cost) == (before.total_tokens, 2, before.cost)
        assert stats.context_tokens > 0 and stats.context_source == "estimate"
    finally:
        await resumed.aclose()


async def test_the_sidebar_shows_the_reported_figures_unmarked(openai_server):
    from mcp_tui.models.usage import short_count
    from mcp_tui.ui.widgets.token_gauge import TokenGauge
    from tests.ui_helpers import make_app, turn

    openai_server.enqueue(tool_calls(call("u__echo", {"text": "x"}, id="c1")), text("done"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.engine.servers.wait_settled(30)
        await turn(pilot, "echo x")
        total = sum(openai_server.prompt_tokens) + sum(count_reply_tokens(r) for r in (tool_calls(call("u__echo", {"text": "x"}, id="c1")), text("done")))
        split = str(app.query_one("#split").render())
        assert split.startswith(f"{short_count(total)} tokens · 2 req.") and "~" not in split
        assert "reported" in str(app.query_one("#cost").render())
        gauge = app.query_one(TokenGauge)
        assert not gauge.estimated and gauge.used == app.engine.context.token_stats.context_tokens > 0
        assert "~" not in str(gauge.render())
        row = str(app.query_one("ServerRow Label").render())
        assert "12 tools · ~" in row and " tok" in row


def test_json_and_the_session_file_carry_the_figures_and_their_source(tmp_path, openai_server):
    import json
    import os
    import subprocess
    import sys

    from tests.support.limits import GENEROUS

    replies = [tool_calls(call("u__echo", {"text": "hi"}, id="c1")), text("It said hi.")]
    openai_server.enqueue(*replies)
    config = tmp_path / "server_config.json"
    server = unruly_server()
    config.write_text(json.dumps({"mcpServers": {"u": {"command": server.command, "args": server.args}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "gpt-4o", "--api-base", openai_server.base_url,
         "--api-key", "sk-accounting", "--config", str(config), "--approve", "auto", "--json", "--prompt", "echo hi"],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    usage = [e["usage"] for e in lines if e["type"] == "usage_updated"][-1]
    completion = sum(count_reply_tokens(r) for r in replies)
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (sum(openai_server.prompt_tokens), completion)
    assert (usage["totals_source"], usage["context_source"], usage["window"]) == ("provider", "provider", 128_000)
    assert usage["cost"] == price_for("openai", "gpt-4o").cost(usage["prompt_tokens"], completion)
    assert lines[-1]["type"] == "turn_finished" and lines[-1]["usage"]["requests"] == 2
    (saved,) = (tmp_path / "home" / "data" / "sessions").glob("*.jsonl")
    records = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [r["usage"] for r in records if r["type"] == "usage"][-1] == usage
