"""LLMAdapter against a real local HTTP server, through the real chuk-llm client."""

from __future__ import annotations

import asyncio
import json
import os
import time

import anyio
import pytest

from mcp_tui.llm import (
    LLMAdapter,
    LLMSettings,
    ProviderError,
    StreamText,
    StreamToolCall,
)
from mcp_tui.llm.adapter import StreamEnd, StreamUsage
from mcp_tui.llm.errors import from_text
from tests.support.fixtures import openai_server  # noqa: F401  (until conftest imports it)
from tests.support.openai_server import (
    OpenAIServer,
    call,
    cut,
    error,
    refused_base_url,
    text,
    text_in,
    tool_calls,
)

USER = [{"role": "user", "content": "hi"}]
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "time__get_current_time",
        "description": "Current time in a zone",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}},
    },
}
TABLES_TOOL = {"type": "function", "function": {"name": "db__list_tables", "description": "", "parameters": {"type": "object", "properties": {}}}}


def adapter(srv_or_url: OpenAIServer | str, **settings) -> LLMAdapter:
    base = srv_or_url if isinstance(srv_or_url, str) else srv_or_url.base_url
    settings = {"model": "test-model", "api_base": base, "api_key": "test-key", **settings}
    return LLMAdapter(LLMSettings(**settings), max_retries=0)


async def collect(llm: LLMAdapter, messages=USER, tools=None, *, usage: bool = False) -> list:
    """The items streamed; the provider's usage and the end mark only when asked for (their own tests)."""
    try:
        return [item async for item in llm.stream(messages, tools) if usage or not isinstance(item, (StreamUsage, StreamEnd))]
    finally:
        await llm.aclose()


async def test_the_providers_usage_is_asked_for_and_read(openai_server):
    openai_server.cached_tokens = 3
    openai_server.enqueue(tool_calls(call("db__list_tables", "")))
    items = await collect(adapter(openai_server), tools=[TABLES_TOOL], usage=True)
    assert openai_server.requests[0]["stream_options"] == {"include_usage": True}
    usage, end = items[-2:]
    assert isinstance(usage, StreamUsage) and end == StreamEnd(finish_reason="tool_calls")
    assert (usage.prompt_tokens, usage.cached_tokens) == (openai_server.prompt_tokens[0], 3)
    assert usage.completion_tokens > 0


async def test_a_server_that_refuses_stream_options_is_asked_again_without():
    def refuse(body):
        if "stream_options" in body:
            return error(400, "Unrecognized request argument supplied: stream_options")
        return text("fine")

    with OpenAIServer(refuse) as srv:
        llm = adapter(srv)
        first = [i.text async for i in llm.stream(USER, None) if isinstance(i, StreamText)]
        assert first == ["fine"] and [i.text for i in await collect(llm)] == ["fine"]
        assert ["stream_options" in r for r in srv.requests] == [True, False, False]  # remembered: refused once only


async def failure(llm: LLMAdapter, messages=USER, tools=None) -> tuple[ProviderError, list, float]:
    """The error, what came before it, and the seconds of sleep (retry back-off) asked for on
    the way: "fast" is judged by that, not by a wall clock a busy machine would stretch."""
    got: list = []
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def counting_sleep(delay, *args, **kwargs):
        slept.append(float(delay))
        return await real_sleep(delay, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncio, "sleep", counting_sleep)  # chuk-llm's and our retries
        patch.setattr(anyio, "sleep", counting_sleep)  # the openai SDK's
        with pytest.raises(ProviderError) as info:
            try:
                async for item in llm.stream(messages, tools):
                    got.append(item)
            finally:
                await llm.aclose()
    return info.value, got, sum(slept)


async def test_text_streams_in_order_with_the_flag_key(openai_server):
    openai_server.enqueue(text_in("Hello there, how are you?", 5))
    items = await collect(adapter(openai_server))
    assert all(isinstance(i, StreamText) for i in items) and len(items) == 5
    assert "".join(i.text for i in items) == "Hello there, how are you?"
    body = openai_server.requests[0]
    assert body["stream"] is True and body["model"] == "test-model" and body["messages"] == USER
    assert openai_server.request_headers[0]["authorization"] == "Bearer test-key"


async def test_flag_key_beats_env_and_is_not_leaked(openai_server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    openai_server.enqueue(text("a"), text("b"))
    await collect(adapter(openai_server))
    await collect(adapter(openai_server, api_key=None))
    assert [h["authorization"] for h in openai_server.request_headers] == ["Bearer test-key", "Bearer env-key"]
    monkeypatch.delenv("OPENAI_API_KEY")
    openai_server.enqueue(text("c"))
    await collect(adapter(openai_server))
    assert "OPENAI_API_KEY" not in os.environ


async def test_missing_key_is_an_auth_error_naming_the_variable(openai_server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    err, _, _ = await failure(adapter(openai_server, api_key=None))
    assert err.kind == "auth" and "OPENAI_API_KEY" in err.message
    assert "OPENAI_API_KEY" in err.hint and "--api-key" in err.hint
    assert openai_server.requests == []


async def test_tool_without_parameters_is_not_dropped(openai_server):
    openai_server.enqueue(tool_calls(call("db__list_tables", "", id="call_t")))
    items = await collect(adapter(openai_server), tools=[TABLES_TOOL])
    assert items == [StreamToolCall(id="call_t", name="db__list_tables", arguments="{}")]


async def test_text_then_several_split_tool_calls_come_complete(openai_server):
    args = {"timezone": "Asia/Tokyo", "note": "x" * 200}
    openai_server.enqueue(
        tool_calls(
            call("time__get_current_time", args, id="c1", pieces=20),
            call("db__list_tables", "", id="c2"),
            call("time__get_current_time", {"timezone": "UTC"}, id="c3", pieces=7),
            text=["Let me ", "check."],
        )
    )
    items = await collect(adapter(openai_server), tools=[TIME_TOOL, TABLES_TOOL])
    assert items[:2] == [StreamText(text="Let me "), StreamText(text="check.")]
    calls = items[2:]
    assert [(c.id, c.name) for c in calls] == [("c1", "time__get_current_time"), ("c2", "db__list_tables"), ("c3", "time__get_current_time")]
    assert json.loads(calls[0].arguments) == args and calls[1].arguments == "{}"
    assert json.loads(calls[2].arguments) == {"timezone": "UTC"}


async def test_bad_json_and_unknown_tool_pass_through_raw(openai_server):
    openai_server.enqueue(tool_calls(call("no_such_tool", '{"a": 1', id="c1"), call("db__list_tables", "not json", id="c2")))
    items = await collect(adapter(openai_server), tools=[TABLES_TOOL])
    assert items == [
        StreamToolCall(id="c1", name="no_such_tool", arguments='{"a": 1'),
        StreamToolCall(id="c2", name="db__list_tables", arguments="not json"),
    ]


async def test_safe_tool_names_go_out_and_come_back_unchanged(openai_server):
    # The model calls what it was offered: echo the offered name back.
    openai_server.responder = lambda body: tool_calls(call(body["tools"][0]["function"]["name"], "{}", id="c1"))
    items = await collect(adapter(openai_server), tools=[TIME_TOOL])
    assert openai_server.requests[0]["tools"][0]["function"]["name"] == "time__get_current_time"
    assert items == [StreamToolCall(id="c1", name="time__get_current_time", arguments="{}")]


async def test_messages_and_tools_are_normalised_before_sending(openai_server):
    openai_server.enqueue(text("ok"))
    tools = [{"type": "function", "function": {"name": "srv__ping", "description": None}}]
    messages = [
        {"role": "developer", "content": "be brief"},
        {"role": "user", "content": "go"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "srv__ping", "arguments": ""}},
                {"id": "b", "type": "function", "function": {"name": "srv__ping", "arguments": {"x": 1}}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": {"ok": True}},
        {"role": "tool", "tool_call_id": "b", "content": [{"type": "text", "text": "pong"}]},
    ]
    assert await collect(adapter(openai_server), messages, tools) == [StreamText(text="ok")]
    body = openai_server.requests[0]
    assert body["tools"][0]["function"]["description"] == ""
    assert body["messages"][0]["role"] == "system"
    assert [c["function"]["arguments"] for c in body["messages"][2]["tool_calls"]] == ["{}", '{"x": 1}']
    assert json.loads(body["messages"][3]["content"]) == {"ok": True}
    assert body["messages"][4]["content"] == "pong"


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, "bad_request"), (401, "auth"), (403, "auth"), (404, "not_found"), (500, "server"), (503, "server")],
)
async def test_http_errors_are_classified_fast(openai_server, status, kind):
    openai_server.enqueue(error(status, "boom happened"))
    err, _, elapsed = await failure(adapter(openai_server))
    assert (err.kind, err.status) == (kind, status)
    assert "boom happened" in err.message and f"HTTP {status}" in err.message and err.hint
    assert elapsed < 0.1 and len(openai_server.requests) == 1  # no retry back-off


async def test_rate_limit_carries_retry_after(openai_server):
    openai_server.enqueue(error(429, retry_after=7))
    err, _, elapsed = await failure(adapter(openai_server))
    assert (err.kind, err.status, err.retry_after) == ("rate_limit", 429, 7.0)
    assert "7 s" in err.hint and elapsed < 0.1


async def test_connection_refused_is_a_connection_error_fast():
    url = refused_base_url()
    err, _, elapsed = await failure(adapter(url))
    assert err.kind == "connection" and err.status is None
    assert url in err.hint and elapsed < 0.1


async def test_dropped_stream_raises_after_partial_text(openai_server):
    openai_server.enqueue(cut("Hal", "f an "))
    err, got, _ = await failure(adapter(openai_server))
    assert got == [StreamText(text="Hal"), StreamText(text="f an ")]
    assert err.kind == "connection"


async def test_stream_ending_without_finish_reason_raises(openai_server):
    openai_server.enqueue(cut("Half", graceful=True))
    err, got, _ = await failure(adapter(openai_server))
    assert got == [StreamText(text="Half")]
    assert err.kind == "connection" and "cut off" in err.message


async def test_max_retries_is_passed_to_the_sdk(openai_server):
    openai_server.enqueue(error(500), text("second time lucky"))
    llm = LLMAdapter(LLMSettings(model="m", api_base=openai_server.base_url, api_key="test-key"), max_retries=1)
    assert await collect(llm) == [StreamText(text="second time lucky")]
    assert len(openai_server.requests) == 2


async def test_aclose_mid_stream_drops_the_connection(openai_server):
    openai_server.enqueue(text_in("y" * 100, 100, stall=True))
    llm = adapter(openai_server)
    stream = llm.stream(USER, None)
    assert await anext(stream) == StreamText(text="y")
    await stream.aclose()
    assert openai_server.wait_dropped()
    await llm.aclose()


async def test_cancelling_the_consumer_returns_promptly(openai_server):
    openai_server.enqueue(text_in("z" * 100, 100, stall=True))
    llm = adapter(openai_server)
    got: list = []

    async def consume():
        async for item in llm.stream(USER, None):
            got.append(item)

    task = asyncio.create_task(consume())
    while not got:
        await asyncio.sleep(0.01)
    start = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    print(f"cancel took {time.perf_counter() - start:.3f}s")
    assert openai_server.wait_dropped()
    await llm.aclose()


async def test_model_defaults_to_the_providers_default():
    from chuk_llm.configuration import get_config

    llm = LLMAdapter(LLMSettings())
    assert llm.provider == "openai" and llm.model == get_config().get_provider("openai").default_model != ""


async def test_unknown_provider_is_a_bad_request():
    err, _, _ = await failure(LLMAdapter(LLMSettings(provider="nope", model="m")))
    assert err.kind == "bad_request" and "nope" in err.message


async def test_other_openai_style_provider_with_flag_key(openai_server, monkeypatch):
    # groq speaks OpenAI's API: it goes through our tapped client, with the key from the flag
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    openai_server.enqueue(text("hey"), error(401))
    llm = adapter(openai_server, provider="groq", model=None)
    assert [i async for i in llm.stream(USER, None) if not isinstance(i, (StreamUsage, StreamEnd))] == [StreamText(text="hey")]
    assert type(llm._client).__name__ == "OpenAIStreamClient" and openai_server.request_headers[0]["authorization"] == "Bearer test-key"
    err, _, _ = await failure(llm)
    assert err.kind == "auth" and err.status == 401 and "GROQ_API_KEY" in err.hint
    assert "GROQ_API_KEY" not in os.environ


@pytest.mark.parametrize(
    ("chunk_text", "kind", "status"),
    [
        ("Error: Error code: 401 - Incorrect API key provided", "auth", 401),
        ("Error: Error code: 429 - Rate limit reached", "rate_limit", 429),
        ("Error: {'message': 'no route', 'type': 'x'} (status code: 404)", "not_found", 404),
        ("Error: Error code: 502 - bad gateway", "server", 502),
        ("Error: Connection error.", "connection", None),
        ("Error: Request timed out.", "connection", None),
        ("Streaming error: something odd", "unknown", None),
    ],
)
def test_error_chunk_texts_are_classified(chunk_text, kind, status):
    err = from_text(chunk_text)
    assert (err.kind, err.status) == (kind, status)
