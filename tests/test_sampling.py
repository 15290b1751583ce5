"""MCP sampling: server-everything's trigger-sampling-request answered by the current model (the
local OpenAI-compatible server through the real chuk-llm client) after approval in the TUI, or
headless under --approve auto; refused otherwise, with an error the server reads; its tokens
counted in the session's usage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mcp_types as types

from mcp_tui.config.models import ServerConfig
from mcp_tui.engine.sampling import unsupported
from mcp_tui.models.events import parse_event
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.screens.sampling import SamplingScreen
from mcp_tui.ui.widgets.chat import InfoNote
from tests.support.limits import GENEROUS
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import call, count_reply_tokens, error, text, tool_calls
from tests.ui_helpers import make_app, on_top, say, settle, until

TOOL = "everything__trigger-sampling-request"
SAMPLER = str(Path(__file__).parent / "servers" / "sampling_server.py")
SAMPLED = text("sampled ", "answer ", "from the model")


def everything(sampling: bool = True) -> ServerConfig:
    return ServerConfig(name="everything", command="node", args=[str(everything_entry())], sampling=sampling)


def script(openai_server) -> None:
    """The turn calls the tool; the server's sampling request is answered; the turn ends."""
    openai_server.enqueue(
        tool_calls(call(TOOL, {"prompt": "name a colour", "maxTokens": 42})),
        SAMPLED,
        text("The server got its answer."),
    )


def sampling_request(openai_server) -> dict:
    return openai_server.requests[1]


def tool_message(openai_server) -> str:
    return openai_server.requests[2]["messages"][-1]["content"]


def headless(tmp_path, base_url: str, *args: str, sampling: bool = True) -> subprocess.CompletedProcess:
    config = tmp_path / "server_config.json"
    entry = {"command": "node", "args": [str(everything_entry())], "sampling": sampling}
    config.write_text(json.dumps({"mcpServers": {"everything": entry}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", base_url,
         "--api-key", "sk-test-sampling", "--config", str(config), "--prompt", "ask the server to sample", *args],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )


# -- headless --------------------------------------------------------------------


def test_headless_auto_answers_and_counts_the_tokens(tmp_path, openai_server):
    script(openai_server)
    result = headless(tmp_path, openai_server.base_url, "--approve", "auto", "--json")
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    request = sampling_request(openai_server)
    assert request["messages"] == [
        {"role": "system", "content": "You are a helpful test server."},
        {"role": "user", "content": "Resource trigger-sampling-request context: name a colour"},
    ]
    assert request["max_tokens"] == 42 and request["temperature"] == 0.7
    assert '"text": "sampled answer from the model"' in tool_message(openai_server)  # what the server got back
    sampled = next(e for e in events if e.type == "sampling")
    tokens = openai_server.prompt_tokens[1] + count_reply_tokens(SAMPLED)
    assert sampled.answered and sampled.server == "everything" and sampled.tokens == tokens
    usage = [e for e in events if e.type == "usage_updated"][-1].usage
    assert usage.requests == 3 and usage.prompt_tokens == sum(openai_server.prompt_tokens)
    finished = events[-1]
    assert finished.type == "turn_finished" and finished.usage.requests == 3  # the turn's share holds it too


def test_headless_without_auto_refuses_and_says_so(tmp_path, openai_server):
    # The tool itself is always allowed (settings file), so readonly runs it; its sampling request
    # must still be refused: nobody is there to approve it.
    settings = tmp_path / "home" / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('[[always_allow]]\nserver = "everything"\ntool = "trigger-sampling-request"\n')
    openai_server.enqueue(tool_calls(call(TOOL, {"prompt": "name a colour"})), text("It was refused."))
    result = headless(tmp_path, openai_server.base_url, "--approve", "readonly")
    assert result.returncode == 0, result.stderr
    assert len(openai_server.requests) == 2  # no sampling request reached the model
    said = [line for line in result.stderr.splitlines() if line.startswith("sampling request from everything refused")]
    assert len(said) == 1 and "--approve auto" in said[0] and "no user was asked" in said[0]
    told = openai_server.requests[1]["messages"][-1]["content"]
    assert "Sampling request refused" in told and "--approve auto" in told  # the server's error, passed on


def test_sampling_is_declared_only_when_configured(tmp_path, openai_server):
    openai_server.enqueue(tool_calls(call(TOOL, {"prompt": "x"})), text("No such tool."))
    result = headless(tmp_path, openai_server.base_url, "--approve", "auto", sampling=False)
    assert result.returncode == 0, result.stderr
    assert len(openai_server.requests) == 2
    assert TOOL not in [t["function"]["name"] for t in openai_server.requests[0]["tools"]]
    assert "everything__get-roots-list" in [t["function"]["name"] for t in openai_server.requests[0]["tools"]]


# -- the TUI ---------------------------------------------------------------------


def notes(app) -> list[str]:
    return [str(n.render()) for n in app.query(InfoNote)]


async def run_to_dialog(pilot, app) -> SamplingScreen:
    await settle(pilot, app)
    await say(pilot, "please sample")
    await until(pilot, lambda: on_top(app, ApprovalScreen))  # the tool is not read-only
    await pilot.press("y")
    await until(pilot, lambda: on_top(app, SamplingScreen))
    return app.screen


async def test_tui_shows_the_request_and_answers_after_approval(openai_server):
    script(openai_server)
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dialog = await run_to_dialog(pilot, app)
        shown = " ".join(str(w.render()) for w in dialog.query("Static"))
        assert "everything asks the model for an answer" in shown
        assert "You are a helpful test server." in shown and "name a colour" in shown
        assert "up to 42 tokens" in shown and "temperature 0.7" in shown
        assert "openai/test-model" in shown
        assert len(openai_server.requests) == 1  # nothing sent before the answer
        await pilot.press("y")
        await until(pilot, lambda: not app.engine.busy and len(openai_server.requests) == 3)
        tokens = openai_server.prompt_tokens[1] + count_reply_tokens(SAMPLED)
        await until(pilot, lambda: any(f"sampling for everything: {tokens} tokens" in n for n in notes(app)))
        assert '"text": "sampled answer from the model"' in tool_message(openai_server)
        totals = app.engine.context.tracker.totals
        assert totals.requests == 3 and totals.prompt_tokens == sum(openai_server.prompt_tokens)
        sidebar = app.query_one("#sidebar")  # what the sidebar shows holds it
        await until(pilot, lambda: sidebar.stats.requests == 3 and sidebar.stats.prompt_tokens == totals.prompt_tokens)


async def test_tui_refusal_gives_the_server_an_error(openai_server):
    openai_server.enqueue(tool_calls(call(TOOL, {"prompt": "name a colour"})), text("It was refused."))
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_to_dialog(pilot, app)
        await pilot.press("n")
        await until(pilot, lambda: not app.engine.busy and len(openai_server.requests) == 2)
        told = openai_server.requests[1]["messages"][-1]["content"]
        assert "Sampling request refused: the user refused it" in told
        await until(pilot, lambda: any("sampling request from everything refused" in n for n in notes(app)))
        assert app.engine.context.tracker.totals.requests == 2


def test_what_cannot_be_answered_is_named():
    def params(content, **more) -> types.CreateMessageRequestParams:
        return types.CreateMessageRequestParams(messages=[types.SamplingMessage(role="user", content=content)], max_tokens=10, **more)

    hello = types.TextContent(type="text", text="hello")
    assert unsupported(params(hello)) is None
    image = types.ImageContent(type="image", data="AAAA", mime_type="image/png")
    assert "image content" in unsupported(params([hello, image]))
    audio = types.AudioContent(type="audio", data="AAAA", mime_type="audio/wav")
    assert "audio content" in unsupported(params(audio))
    tool = types.Tool(name="t", input_schema={"type": "object"})
    assert unsupported(params(hello, tools=[tool])) is None  # tools are answered (sampling.tools)


async def test_a_picture_in_a_request_is_refused_by_name(make_engine, openai_server):
    # A real SDK server asks with an image: the server reads why, no model request is made.
    sampler = ServerConfig(name="sampler", command=sys.executable, args=[SAMPLER], sampling=True)
    engine = await make_engine([sampler], persist=False)
    await engine.servers.wait_settled(GENEROUS)
    seen = []
    engine.listeners.append(seen.append)
    result = await engine.servers.call("sampler__describe_picture", {})
    assert "client error -32602: Sampling request refused" in result.text and "image content" in result.text
    assert openai_server.requests == []
    assert [e.note for e in seen if e.type == "sampling"] == [
        "sampling request from sampler refused: mcp-tui answers sampling requests with text only; this one holds image content"
    ]


async def test_the_model_may_call_the_tools_a_server_offers(make_engine, openai_server):
    # The SDK server offers a tool in its request, runs the call the model makes, sends the
    # result back, and returns the model's final text.
    openai_server.enqueue(tool_calls(call("get_weather", {"city": "Paris"}, id="w1")), text("Sunny in ", "Paris."))
    sampler = ServerConfig(name="sampler", command=sys.executable, args=[SAMPLER], sampling=True)
    engine = await make_engine([sampler], persist=False)
    await engine.servers.wait_settled(GENEROUS)
    result = await engine.servers.call("sampler__weather_report", {})
    assert result.text == "weather for Paris ran; the model said: Sunny in Paris."
    first, second = openai_server.requests
    assert [t["function"]["name"] for t in first["tools"]] == ["get_weather"]
    assert second["messages"][-2]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "w1", "content": "18 degrees, clear"}
    assert engine.context.tracker.totals.requests == 2


async def test_a_failing_model_is_said_to_the_server_as_a_failure(make_engine, openai_server):
    openai_server.enqueue(error(401))
    engine = await make_engine([everything()], persist=False)
    await engine.servers.wait_settled(GENEROUS)
    seen = []
    engine.listeners.append(seen.append)
    result = await engine.servers.call(TOOL, {"prompt": "name a colour"})
    assert result.is_error and "Sampling request failed: the model failed" in result.text
    notes = [e.note for e in seen if e.type == "sampling"]
    assert len(notes) == 1 and notes[0].startswith("sampling request from everything failed: the model failed")
    assert "sk-" not in result.text and "test-key-0123" not in result.text  # the key never reaches the server
