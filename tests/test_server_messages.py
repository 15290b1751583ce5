"""What servers say besides tool results, against server-everything, a small SDK server and the
local OpenAI server (which records what the model really got): instructions in the system
prompt, log messages at the level asked, content audiences, images, task-only tools."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.models.events import ServerLogged, ToolCallFinished
from mcp_tui.servers.results import ONLY_FOR_USER
from mcp_tui.store.tokens import count_message_tokens
from mcp_tui.store.vision import image_size, image_tokens, supports_vision
from tests.engine_helpers import assert_every_request_valid, run
from tests.support.limits import GENEROUS, eventually
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import OpenAIServer, call, count_request_tokens, text, tool_calls

CHATTY = str(Path(__file__).parent / "servers" / "chatty_server.py")


def everything(**overrides) -> ServerConfig:
    return ServerConfig(name="everything", command="node", args=[str(everything_entry())], **overrides)


def chatty(*flags: str, **overrides) -> ServerConfig:
    return ServerConfig(name="chatty", command=sys.executable, args=[CHATTY, *flags], **overrides)


def system_texts(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "system"]


# -- instructions ------------------------------------------------------------------


def request_estimates(events) -> list[int]:
    """The prompt tokens each request was counted at (estimates: the server reports none)."""
    totals = [e.usage.prompt_tokens for e in events if e.type == "usage_updated"]
    return [b - a for a, b in zip([0, *totals], totals) if b != a]


async def test_everything_instructions_reach_the_model_counted_and_go_with_the_server(make_engine):
    with OpenAIServer(report_usage=False) as server:
        server.enqueue(text("a"), text("b"))
        engine = await make_engine([everything()], base_url=server.base_url)
        events = await run(engine, "hello")
        section = system_texts(server.requests[0])[1]
        assert section.count("<server-instructions") == 1 and '<server-instructions server="everything">' in section
        assert "Server instructions are working!" in section  # server-everything's easter egg, as it wrote it
        assert "not by the user" in section.split("<server-instructions")[0]  # the model is told whose words they are
        counted = count_message_tokens({"role": "system", "content": section}, engine.context.model)
        usage = [e for e in events if e.type == "usage_updated"][-1].usage
        assert usage.instruction_tokens == counted > 300
        # The request was counted with them: close to what the server counts, far closer than their size.
        estimate, actual = request_estimates(events)[0], count_request_tokens(server.requests[0])
        assert abs(estimate - actual) < 0.25 * counted, (estimate, actual, counted)
        engine.set_tools_on("everything", False)  # the server's tools go, and its instructions with them
        await run(engine, "again")
        assert len(system_texts(server.requests[1])) == 1
        assert engine.context.token_stats.instruction_tokens == 0


async def test_instructions_are_cleaned_and_fenced(openai_server, make_engine):
    openai_server.enqueue(text("a"))
    engine = await make_engine([chatty()])
    await run(engine, "hello")
    section = system_texts(openai_server.requests[0])[1]
    assert "\x1b" not in section and "Call chatty tools politely. Red." in section
    # The server's fake end of its fence does not end it: one real closing tag, at the end.
    assert section.count("</server-instructions>") == 1 and section.endswith("</server-instructions>")


# -- tools that need tasks ---------------------------------------------------------


async def test_task_required_tool_is_not_offered_and_the_status_says_so(openai_server, make_engine):
    openai_server.enqueue(text("a"))
    engine = await make_engine([everything()])
    await run(engine, "hello")
    offered = [t["function"]["name"] for t in openai_server.requests[0]["tools"]]
    assert "everything__echo" in offered and not any("simulate-research-query" in n for n in offered)
    status = engine.servers.statuses()[0]
    assert status.reason == "1 tool needs tasks: hidden (simulate-research-query)"
    assert status.tool_count == len(offered)


# -- log messages ------------------------------------------------------------------


async def test_log_level_from_the_config_is_asked_and_messages_kept(tmp_path, make_engine):
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"logLevel": "error", "mcpServers": {"chatty": {"command": sys.executable, "args": [CHATTY]}, "quiet": {"command": sys.executable, "args": [CHATTY], "logLevel": "debug"}}}))
    servers = load_servers(config).servers
    assert {s.name: s.log_level for s in servers} == {"chatty": "error", "quiet": "debug"}
    engine = await make_engine(servers)
    seen: list[ServerLogged] = []
    engine.listeners.append(lambda e: seen.append(e) if isinstance(e, ServerLogged) else None)
    await engine.servers.wait_settled(GENEROUS)
    assert (await engine.servers.call("chatty__level", {})).text == "error"
    assert (await engine.servers.call("quiet__level", {})).text == "debug"
    assert (await engine.servers.call("chatty__log_all", {})).text == "sent 4"
    ring = engine.servers.messages("chatty")[0]
    await eventually(lambda: len(ring.entries) == 4 and len(seen) == 4)
    assert [e.level for e in ring.entries] == ["error", "critical", "alert", "emergency"]
    assert ring.entries[0].logger == "chatty.core" and json.loads(ring.entries[0].text) == {"problem": "disk full", "free": [0, 1]}
    assert ring.entries[0].text.startswith('{\n  "problem"')  # pretty-printed for the log view
    assert seen[0].server == "chatty" and seen[0].is_error
    # /loglevel: asked of the running server at once
    await engine.set_log_level("chatty", "warning")
    assert (await engine.servers.call("chatty__level", {})).text == "warning"


async def test_default_level_is_warning_and_a_server_without_logging_is_not_asked(make_engine):
    engine = await make_engine([chatty(), ServerConfig(name="mute", command=sys.executable, args=[CHATTY, "--no-logging"])])
    await engine.servers.wait_settled(GENEROUS)
    assert (await engine.servers.call("chatty__level", {})).text == "warning"
    assert (await engine.servers.call("mute__level", {})).text == "none"
    assert engine.servers.messages("mute")[0].logging is False


async def test_everything_log_messages_arrive_at_debug(make_engine):
    engine = await make_engine([everything(log_level="debug")])
    await engine.servers.wait_settled(GENEROUS)
    ring = engine.servers.messages("everything")[0]
    assert ring.logging and ring.level == "debug"
    await engine.servers.call("everything__toggle-simulated-logging", {})  # its first message comes at once, any level
    try:
        await eventually(lambda: len(ring.entries) >= 1)
    finally:
        await engine.servers.call("everything__toggle-simulated-logging", {})
    assert ring.entries[0].text.endswith("message") and ring.entries[0].server == "everything"


# -- annotations -------------------------------------------------------------------


async def test_audience_user_is_shown_not_sent_and_assistant_is_sent_and_marked(openai_server, make_engine):
    openai_server.enqueue(
        tool_calls(
            call("everything__get-annotated-message", {"messageType": "success", "includeImage": True}, id="c_user"),
            call("everything__get-annotated-message", {"messageType": "debug"}, id="c_model"),
        ),
        text("done"),
    )
    engine = await make_engine([everything()], model="gpt-4-turbo")  # sees images: the user-only one stays out anyway
    events = await run(engine, "annotate")
    sent = {m["tool_call_id"]: m["content"] for m in openai_server.requests[1]["messages"] if m["role"] == "tool"}
    assert sent["c_user"] == ONLY_FOR_USER
    assert sent["c_model"] == "Debug: Cache hit ratio 0.95, latency 150ms"
    assert not any(isinstance(m["content"], list) for m in openai_server.requests[1]["messages"])  # no image sent
    shown = {e.call_id: e.result for e in events if isinstance(e, ToolCallFinished)}
    assert shown["c_user"] == "[not sent to the model] Operation completed successfully\n[not sent to the model] [image: image/png, 4 kB]"
    assert shown["c_model"] == "[for the model] Debug: Cache hit ratio 0.95, latency 150ms"
    assert_every_request_valid(openai_server)


# -- images ------------------------------------------------------------------------


def test_which_models_see_images():
    assert supports_vision("openai", "gpt-4o-mini") and supports_vision("openai", "gpt-4-turbo")
    assert supports_vision("anthropic", "claude-sonnet-4-5") and supports_vision("ollama", "llava:13b")
    assert not supports_vision("openai", "gpt-3.5-turbo") and not supports_vision("openai", "o3-mini")
    assert not supports_vision("openai", "test-model") and not supports_vision("demo", "demo")


def test_image_tokens_follow_openais_rule():
    png = everything_tiny_png()
    assert image_size(png) == (20, 20) and image_tokens(png) == 85 + 170
    header = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + (2048).to_bytes(4, "big") + (4096).to_bytes(4, "big")
    # OpenAI's example: 2048×4096 → 1024×2048 → 768×1536, 2×3 tiles
    assert image_tokens(base64.b64encode(header + b"\0" * 8).decode()) == 85 + 170 * 6


def everything_tiny_png() -> str:
    source = (everything_entry().parent / "tools" / "get-tiny-image.js").read_text()
    return source.split('MCP_TINY_IMAGE = "')[1].split('"')[0]


async def test_an_image_goes_to_a_vision_model_after_the_tool_messages_and_counts(make_engine):
    with OpenAIServer(report_usage=False) as server:
        server.enqueue(tool_calls(call("everything__get-tiny-image", {}, id="c_img"), call("everything__echo", {"message": "hi"}, id="c_echo")), text("a logo"))
        engine = await make_engine([everything()], base_url=server.base_url, model="gpt-4-turbo")
        events = await run(engine, "show me")
        messages = server.requests[1]["messages"]
        roles = [m["role"] for m in messages]
        assert roles[-4:] == ["assistant", "tool", "tool", "user"]  # after both tool messages, not between
        tool = next(m for m in messages if m.get("tool_call_id") == "c_img")
        assert "[image: image/png, 4 kB]" in tool["content"]
        parts = messages[-1]["content"]
        assert parts[0] == {"type": "text", "text": "The image returned by tool call c_img (everything__get-tiny-image):"}
        assert parts[1] == {"type": "image_url", "image_url": {"url": "data:image/png;base64," + everything_tiny_png()}}
        assert_every_request_valid(server)
        # Counted as sent: the user message as the provider counts its text, plus the image by OpenAI's rule.
        saved = next(m for m in engine.context.history.messages if m.tool_call_id == "c_img")
        as_sent = count_request_tokens({"messages": [messages[-1]]}) - 3  # without the reply priming
        extra = engine.context.meter.message_tokens(saved, engine.context.model) - count_message_tokens(saved.to_llm(), engine.context.model)
        assert extra == as_sent + 255
        # The request's estimate: what the server counts (text only) plus the image, within the
        # difference in rendering the tool schemas (what chuk-llm adds to them).
        estimate, actual = request_estimates(events)[1], count_request_tokens(server.requests[1])
        assert abs(estimate - (actual + 255)) < 0.05 * actual, (estimate, actual)


async def test_a_model_without_vision_gets_the_placeholder_only(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("everything__get-tiny-image", {}, id="c_img")), text("no eyes"))
    engine = await make_engine([everything()])  # test-model: no vision
    await run(engine, "show me")
    messages = openai_server.requests[1]["messages"]
    assert messages[-1]["role"] == "tool" and "[image: image/png, 4 kB]" in messages[-1]["content"]
    assert not any(isinstance(m["content"], list) for m in messages)
    saved = engine.context.history.messages[-2]
    assert saved.images and engine.context.meter.message_tokens(saved, engine.context.model) == count_message_tokens(saved.to_llm(), engine.context.model)


# -- headless ----------------------------------------------------------------------


def test_headless_prints_error_log_messages_and_json_carries_every_one(tmp_path, openai_server):
    import os
    import subprocess

    from mcp_tui.models.events import parse_event

    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"chatty": {"command": sys.executable, "args": [CHATTY], "logLevel": "warning"}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url,
               "--api-key", "sk-test", "--config", str(config), "--approve", "auto", "--prompt", "log"]
    for _ in range(2):
        openai_server.enqueue(tool_calls(call("chatty__log_all", {})), text("logged"))
    plain = subprocess.run(command, capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    said = [line for line in plain.stderr.splitlines() if line.startswith("server chatty logged")]
    assert said[0] == "server chatty logged error: {" and [s.split()[3] for s in said] == ["error:", "critical:", "alert:", "emergency:"]
    assert "warning message" not in plain.stderr  # below error: in the log view, not on stderr
    as_json = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path)
    logged = [e for e in map(parse_event, as_json.stdout.splitlines()) if isinstance(e, ServerLogged)]
    assert [e.level for e in logged] == ["warning", "error", "critical", "alert", "emergency"]
    assert logged[0].logger == "chatty.core" and logged[0].text == "warning message"


def test_audio_is_a_placeholder_and_unannotated_content_goes_to_both():
    import mcp_types as types

    from mcp_tui.servers.results import convert

    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="plain"),
            types.AudioContent(type="audio", data="A" * 16_000, mime_type="audio/wav"),
            types.TextContent(type="text", text="both", annotations=types.Annotations(audience=["user", "assistant"])),
        ]
    )
    converted = convert(result, 1000)
    assert converted.text == converted.full_text == "plain\n[audio: audio/wav, 12 kB]\nboth"
    assert converted.images == []


def test_parts_of_low_priority_are_left_out_first_when_a_result_is_too_long():
    import mcp_types as types

    from mcp_tui.servers.results import convert

    def part(text: str, priority: float | None) -> types.TextContent:
        return types.TextContent(type="text", text=text, annotations=types.Annotations(priority=priority) if priority is not None else None)

    result = types.CallToolResult(content=[part("A" * 50, 1.0), part("b" * 50, 0.2), part("c" * 50, 0.5), part("D" * 50, None)])
    small = convert(result, 200)  # all four need 203 characters: the 0.2 part goes, then it fits (with the note)
    assert small.text == "\n".join(["A" * 50, "c" * 50, "D" * 50]) + "\n[1 part of lower priority left out to fit]"
    assert not small.truncated and "b" * 50 in small.full_text  # the screen shows everything
    tiny = convert(result, 60)  # neither optional part saves it: both go, the rest is cut
    assert tiny.text.startswith("A" * 50 + "\n" + "D" * 9) and tiny.truncated
    assert convert(result, 1000).text == "\n".join(["A" * 50, "b" * 50, "c" * 50, "D" * 50])
