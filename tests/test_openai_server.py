"""The local OpenAI-compatible test server itself: wire shapes and the rule-based responder."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from tests.support.fixtures import openai_server  # noqa: F401  (until conftest imports it)
from tests.support.limits import GENEROUS
from tests.support.openai_server import (
    ToolCalls,
    call,
    error,
    refused_base_url,
    stream_events,
    text,
    tool_calls,
    tool_echo_responder,
)


def post(url: str, body: dict) -> tuple[int, dict, dict]:
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=GENEROUS) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_non_streamed_completion_and_models(openai_server):
    openai_server.enqueue(text("hi ", "there"), tool_calls(call("a__b", {"x": 1}, id="c1"), text="lead"))
    url = openai_server.base_url + "/chat/completions"
    status, _, body = post(url, {"model": "m", "messages": []})
    assert status == 200 and body["choices"][0]["message"]["content"] == "hi there"
    _, _, body = post(url, {"model": "m", "messages": []})
    message = body["choices"][0]["message"]
    assert message["content"] == "lead" and message["tool_calls"][0]["function"] == {"name": "a__b", "arguments": '{"x": 1}'}
    with urllib.request.urlopen(openai_server.base_url + "/models", timeout=GENEROUS) as resp:
        assert json.loads(resp.read())["data"][0]["id"] == "test-model"
    assert len(openai_server.requests) == 2


def test_error_reply_has_openai_body_and_retry_after(openai_server):
    openai_server.enqueue(error(429, retry_after=3))
    status, headers, body = post(openai_server.base_url + "/chat/completions", {"messages": []})
    assert status == 429 and headers["Retry-After"] == "3"
    assert body["error"]["code"] == "rate_limit_exceeded" and body["error"]["message"]


def test_tool_call_chunks_look_like_openai():
    events = [chunk for _, chunk in stream_events(tool_calls(call("t", '{"a": 1}', id="c", pieces=3)), "m")]
    deltas = [e["choices"][0]["delta"] for e in events]
    head = deltas[1]["tool_calls"][0]
    assert head["id"] == "c" and head["function"] == {"name": "t", "arguments": ""}
    pieces = [d["tool_calls"][0] for d in deltas[2:-1]]
    assert all(set(p) == {"index", "function"} for p in pieces)
    assert "".join(p["function"]["arguments"] for p in pieces) == '{"a": 1}'
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_refused_base_url_refuses():
    parsed = urlparse(refused_base_url())
    with pytest.raises(ConnectionRefusedError), socket.create_connection((parsed.hostname, parsed.port), timeout=1):
        pass


TIME = {"type": "function", "function": {"name": "time__get_current_time", "parameters": {}}}


def test_responder_calls_the_time_tool_with_a_guessed_zone():
    reply = tool_echo_responder({"messages": [{"role": "user", "content": "What time is it in Tokyo?"}], "tools": [TIME]})
    assert isinstance(reply, ToolCalls)
    assert reply.calls[0].name == "time__get_current_time" and json.loads(reply.calls[0].arguments) == {"timezone": "Asia/Tokyo"}
    reply = tool_echo_responder({"messages": [{"role": "user", "content": "time please"}], "tools": [TIME]})
    assert json.loads(reply.calls[0].arguments) == {"timezone": "UTC"}


def test_responder_answers_tool_results_and_echoes_otherwise():
    reply = tool_echo_responder({"messages": [{"role": "tool", "tool_call_id": "c", "content": "12:00"}]})
    assert "".join(reply.chunks) == "From the tool: 12:00"
    reply = tool_echo_responder({"messages": [{"role": "user", "content": "what time is it"}]})  # no tool offered
    assert "".join(reply.chunks) == "You said: what time is it"
