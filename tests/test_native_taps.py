"""The native taps (anthropic_tap, gemini_tap, ollama_tap): real recorded streams served byte for
byte, read through LLMAdapter and the real SDKs, checked against an independent decoding of
the same recording (a few lines of JSON reading per format, below)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mcp_tui.llm import LLMAdapter, LLMSettings, ProviderError
from mcp_tui.llm.adapter import StreamEnd, StreamReasoning, StreamStopped, StreamText, StreamToolCall, StreamUsage
from tests.support.limits import GENEROUS
from tests.support.openai_server import OpenAIServer, Replay

STREAMS = Path(__file__).parent / "replays" / "streams"
USER = [{"role": "user", "content": "hi"}]
SSE, NDJSON = "text/event-stream", "application/x-ndjson"

# The mappings to OpenAI's finish_reason words the taps promise (not read from their code).
ANTHROPIC_FINISH = {"end_turn": "stop", "max_tokens": "length", "tool_use": "tool_calls", "refusal": "content_filter"}
GEMINI_FINISH = {"STOP": "stop", "MAX_TOKENS": "length", **dict.fromkeys(("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT"), "content_filter")}


@dataclass
class Expected:
    model: str
    text: str = ""
    reasoning: str = ""
    calls: list[tuple[str | None, str, object]] = field(default_factory=list)  # (id or None, name, parsed arguments)
    usage: dict[str, int] = field(default_factory=dict)
    finish: str | None = None


# ---------------------------------------------------------------- independent decoders


def sse_data(body: bytes) -> list[dict]:
    """The JSON of every `data:` event (Gemini separates events with CRLF, Anthropic pads lines)."""
    out = []
    for block in body.decode().replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].strip() for line in block.split("\n") if line.startswith("data:"))
        if data:
            out.append(json.loads(data))
    return out


def decode_anthropic(body: bytes) -> Expected:
    events = sse_data(body)
    e = Expected(model=events[0]["message"]["model"])
    counts: dict = {}
    partial: dict[int, list[str]] = {}
    for ev in events:
        if ev["type"] == "message_start":
            counts.update(ev["message"]["usage"])
        elif ev["type"] == "content_block_start" and ev["content_block"]["type"] == "tool_use":
            block = ev["content_block"]
            partial[ev["index"]] = []
            e.calls.append((block["id"], block["name"], ev["index"]))
        elif ev["type"] == "content_block_delta":
            delta = ev["delta"]
            e.text += delta.get("text", "") if delta["type"] == "text_delta" else ""
            e.reasoning += delta.get("thinking", "") if delta["type"] == "thinking_delta" else ""
            if delta["type"] == "input_json_delta":
                partial[ev["index"]].append(delta["partial_json"])
        elif ev["type"] == "message_delta":
            counts.update({k: v for k, v in ev["usage"].items() if v is not None})
            e.finish = ANTHROPIC_FINISH[ev["delta"]["stop_reason"]]
    e.calls = [(i, name, json.loads("".join(partial[index]) or "{}")) for i, name, index in e.calls]
    e.usage = {
        "prompt_tokens": counts["input_tokens"] + counts["cache_creation_input_tokens"] + counts["cache_read_input_tokens"],
        "completion_tokens": counts["output_tokens"],
        "cached_tokens": counts["cache_read_input_tokens"],
        "reasoning_tokens": (counts.get("output_tokens_details") or {}).get("thinking_tokens", 0),
    }
    return e


def decode_gemini(body: bytes) -> Expected:
    chunks = sse_data(body)
    e = Expected(model=chunks[0]["modelVersion"])
    for chunk in chunks:
        candidate = chunk["candidates"][0]
        for part in candidate["content"]["parts"]:
            if "text" in part:
                if part.get("thought"):
                    e.reasoning += part["text"]
                else:
                    e.text += part["text"]
            if "functionCall" in part:
                e.calls.append((None, part["functionCall"]["name"], part["functionCall"]["args"]))
        if "finishReason" in candidate:
            e.finish = GEMINI_FINISH[candidate["finishReason"]]
    meta = chunks[-1]["usageMetadata"]  # running totals: the last one counts
    thoughts = meta.get("thoughtsTokenCount", 0)
    e.usage = {
        "prompt_tokens": meta["promptTokenCount"] + meta.get("toolUsePromptTokenCount", 0),
        "completion_tokens": meta.get("candidatesTokenCount", 0) + thoughts,
        "cached_tokens": meta.get("cachedContentTokenCount", 0),
        "reasoning_tokens": thoughts,
    }
    return e


def decode_ollama(body: bytes) -> Expected:
    lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    e = Expected(model=lines[0]["model"])
    for line in lines:
        e.text += line["message"].get("content", "")
        e.reasoning += line["message"].get("thinking", "")
        e.calls += [(None, c["function"]["name"], c["function"]["arguments"]) for c in line["message"].get("tool_calls", [])]
    last = lines[-1]
    assert last["done"]
    e.usage = {"prompt_tokens": last["prompt_eval_count"], "completion_tokens": last["eval_count"], "cached_tokens": 0, "reasoning_tokens": 0}
    e.finish = last["done_reason"]
    return e


DECODE = {"anthropic": decode_anthropic, "gemini": decode_gemini, "ollama": decode_ollama}
RECORDINGS = [
    ("anthropic", "anthropic_text_tool_use.sse"),
    ("anthropic", "anthropic_thinking_text.sse"),
    ("anthropic", "anthropic_thinking_tool_use.sse"),
    ("gemini", "gemini_text_usage.sse"),
    ("gemini", "gemini_parallel_function_calls.sse"),
    ("gemini", "gemini_thinking.sse"),
    ("ollama", "ollama_native_chat.ndjson"),
]


# ---------------------------------------------------------------- helpers


def adapter(provider: str, model: str, srv: OpenAIServer, *, root: bool = True) -> LLMAdapter:
    # The SDKs add their own path (/v1/messages, /v1/models/…, /api/chat) to the server's root;
    # the taps also take a base ending in /v1 (root=False), as --api-base is often given.
    base = srv.base_url.removesuffix("/v1") if root else srv.base_url
    return LLMAdapter(LLMSettings(provider=provider, model=model, api_base=base, api_key="k"), max_retries=0)


def served_path_is_the_sdks(provider: str, model: str, srv: OpenAIServer) -> None:
    assert len(srv.paths) == 1  # one request: no capability lookup, no retry
    path, headers = srv.paths[-1], srv.request_headers[-1]
    if provider == "anthropic":
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        assert path == "/v1/messages" and key == "k" and "anthropic-version" in headers
    elif provider == "gemini":
        assert path.endswith(f"/models/{model}:streamGenerateContent?alt=sse") and headers.get("x-goog-api-key") == "k"
    else:
        assert path == "/api/chat" and "ollama-python" in headers.get("user-agent", "")


async def run(llm: LLMAdapter, tools=None, out: list | None = None) -> list:
    out = [] if out is None else out
    try:
        async for item in llm.stream(USER, tools):
            out.append(item)
    finally:
        await llm.aclose()
    return out


def check(items: list, e: Expected) -> None:
    assert "".join(i.text for i in items if isinstance(i, StreamText)) == e.text
    assert "".join(i.text for i in items if isinstance(i, StreamReasoning)) == e.reasoning
    calls = [i for i in items if isinstance(i, StreamToolCall)]
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [(name, args) for _, name, args in e.calls]
    for got, (want_id, _, _) in zip(calls, e.calls):
        assert got.id == want_id if want_id else got.id  # Gemini and Ollama send no id: one is made
    assert len({c.id for c in calls}) == len(calls)
    usage = [i for i in items if isinstance(i, StreamUsage)]
    assert [u.model_dump() for u in usage] == [e.usage]
    assert isinstance(items[-1], StreamEnd) and items[-1].finish_reason == e.finish
    assert sum(isinstance(i, StreamEnd) for i in items) == 1
    assert [i for i in items if isinstance(i, StreamStopped)] == ([StreamStopped(finish_reason=e.finish)] if e.finish in ("length", "content_filter") else [])


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize(("provider", "name"), RECORDINGS, ids=[n for _, n in RECORDINGS])
async def test_a_recorded_stream_reads_as_the_recording_says(openai_server, provider, name):
    body = (STREAMS / name).read_bytes()
    expected = DECODE[provider](body)
    assert expected.text or expected.calls  # the recording is what the name says
    openai_server.enqueue(Replay(body, content_type=NDJSON if name.endswith(".ndjson") else SSE))
    llm = adapter(provider, expected.model, openai_server)
    llm._client = llm._build_client()
    assert type(llm._client).__name__ == {"anthropic": "AnthropicTap", "gemini": "GeminiTap", "ollama": "OllamaTap"}[provider]
    items = await run(llm)
    served_path_is_the_sdks(provider, expected.model, openai_server)
    check(items, expected)


def _cut_before_end(provider: str, body: bytes) -> bytes:
    """The body up to (not including) the event that ends the stream."""
    if provider == "anthropic":
        return body[: body.index(b"event: message_stop")]
    if provider == "gemini":
        return body[: body.rindex(b"data: ")]  # the last chunk holds the finishReason
    return body[: body.rstrip(b"\n").rindex(b"\n") + 1]  # the `done: true` line


CUTS = [("anthropic", "anthropic_text_tool_use.sse"), ("gemini", "gemini_text_usage.sse"), ("ollama", "ollama_native_chat.ndjson")]


@pytest.mark.parametrize(("provider", "name"), CUTS, ids=[p for p, _ in CUTS])
async def test_a_stream_cut_before_its_end_event_fails_the_turn(openai_server, provider, name):
    body = (STREAMS / name).read_bytes()
    short = _cut_before_end(provider, body)
    assert DECODE[provider](body).finish is not None and len(short) < len(body)
    openai_server.enqueue(Replay(short, content_type=NDJSON if name.endswith(".ndjson") else SSE))
    got: list = []
    with pytest.raises(ProviderError) as caught:
        await run(adapter(provider, "m", openai_server, root=False), out=got)
    served_path_is_the_sdks(provider, "m", openai_server)
    assert caught.value.kind == "connection" and "cut off" in caught.value.message
    assert type(caught.value.__cause__).__name__ == "IncompleteStream"
    assert any(isinstance(i, StreamText) for i in got)  # what came before the cut was passed on
    assert not any(isinstance(i, StreamEnd) for i in got)


@pytest.mark.parametrize("provider", ["anthropic", "gemini", "ollama"])
async def test_an_http_error_is_raised_with_its_status_not_streamed_as_text(openai_server, provider):
    # Nothing enqueued: the test server answers any path but chat/completions with a JSON 404.
    got: list = []
    with pytest.raises(ProviderError) as caught:
        await run(adapter(provider, "m", openai_server), out=got)
    assert caught.value.status == 404 and caught.value.kind == "not_found"
    assert got == []


async def test_ollama_thinking_and_tool_calls_with_the_capability_lookup_off_the_loop(openai_server):
    """No recording of native Ollama has thinking or tool calls (INDEX.md, Not found): these
    lines are synthetic, in the shape of Ollama's /api/chat documentation."""
    lines = [
        {"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "The user wants "}, "done": False},
        {"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "the time."}, "done": False},
        {"model": "qwen3", "message": {"role": "assistant", "content": "Checking.", "tool_calls": [
            {"function": {"name": "time__get_current_time", "arguments": {"timezone": "UTC"}}},
            {"function": {"name": "db__list_tables", "arguments": {}}},
        ]}, "done": False},
        {"model": "qwen3", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "length", "prompt_eval_count": 31, "eval_count": 57},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    show = json.dumps({"model_info": {}, "capabilities": ["completion", "tools", "thinking"]}).encode()
    openai_server.enqueue(Replay(show, content_type="application/json"), Replay(body, content_type=NDJSON))
    tool = {"type": "function", "function": {"name": "time__get_current_time", "description": "now", "parameters": {"type": "object", "properties": {}}}}
    items = await run(adapter("ollama", "qwen3", openai_server), tools=[tool])
    assert openai_server.paths == ["/api/show", "/api/chat"]
    assert [t["function"]["name"] for t in openai_server.requests[-1]["tools"]] == ["time__get_current_time"]
    check(items, decode_ollama(body))


async def test_the_anthropic_tap_streams_with_the_client_the_adapter_sets_retries_on():
    client = LLMAdapter(LLMSettings(provider="anthropic", model="claude-sonnet-4-5", api_key="k"), max_retries=0)._build_client()
    assert type(client.client).__name__ == "AsyncAnthropic" and client.client.max_retries == 0


def test_building_the_gemini_tap_leaves_warnings_env_and_loggers_alone(tmp_path):
    """chuk-llm's gemini module silences the whole process when imported or built."""
    script = """
import logging, os, warnings
os.environ.pop("PYTHONWARNINGS", None)
warn = warnings.warn
from mcp_tui.llm.adapter import LLMAdapter, LLMSettings
client = LLMAdapter(LLMSettings(provider="gemini", model="gemini-2.5-flash", api_key="k"))._build_client()
assert type(client).__name__ == "GeminiTap", type(client)
assert warnings.warn is warn and "PYTHONWARNINGS" not in os.environ
assert not logging.getLogger("asyncio").disabled and not logging.getLogger("httpx").disabled
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    warnings.warn("still heard")
assert [str(w.message) for w in seen] == ["still heard"], seen
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=GENEROUS, cwd=tmp_path,
                            env={**{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}, "PYTHONPATH": str(Path(__file__).parent.parent)})
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
