"""Real recorded provider streams (tests/replays) replayed through LLMAdapter, judged by an
independent decoder (tests/replays/reference.py).

Each OpenAI-style chat-completions recording is served byte for byte by the local server and
streamed through the client mcp-tui builds for the provider it came from (openai, azure_openai,
groq, deepseek, mistral; the others through "openai" with their own API base). What the adapter
yields must say exactly what the referee read off the wire.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mcp_tui.llm import LLMAdapter, LLMSettings, ProviderError
from mcp_tui.llm.adapter import (
    StreamEnd,
    StreamReasoning,
    StreamRefusal,
    StreamStopped,
    StreamText,
    StreamToolCall,
    StreamUsage,
)
from mcp_tui.models.events import ReasoningDelta, TurnFinished
from tests.replays import reference
from tests.support.openai_server import Replay

REPLAYS = Path(__file__).parent / "replays"
INDEX = json.loads((REPLAYS / "index.json").read_text())
USER = [{"role": "user", "content": "hi"}]
CHAT = "/chat/completions"
ENTRIES = [e for e in INDEX if e["endpoint"].endswith(CHAT)]
BY_FILE = {Path(e["file"]).name: e for e in ENTRIES}

# index.json provider -> the chuk-llm provider mcp-tui uses for it; the rest are OpenAI-compatible
# servers reached with provider "openai" and an --api-base.
CHUK_PROVIDER = {"openai": "openai", "azure": "azure_openai", "groq": "groq", "deepseek": "deepseek", "mistral": "mistral"}
CUT_REASONS = ("length", "content_filter")


def body_of(entry: dict) -> bytes:
    return (REPLAYS / entry["file"]).read_bytes()


def expected_of(entry: dict) -> reference.Expected:
    body = body_of(entry)
    return reference.decode(body) if entry["format"] == "sse" else reference.decode_json_error(body)


def model_of(entry: dict) -> str:
    return next(iter(reference.models(body_of(entry))), "test-model")


def tools_for(expected: reference.Expected) -> list[dict[str, Any]] | None:
    """The tools the recorded request must have offered: one per name the model called."""
    names = dict.fromkeys(name for name, _ in expected.tool_calls)
    return [
        {"type": "function", "function": {"name": n, "description": "", "parameters": {"type": "object", "properties": {}}}}
        for n in names
    ] or None


@dataclass
class Route:
    provider: str  # what LLMSettings.provider is set to
    api_base: str
    path: str  # the request path the real client must use (without the query)


def route(entry: dict, root: str, model: str) -> Route:
    """The provider and API base that make the client ask for the recorded endpoint."""
    provider = CHUK_PROVIDER.get(entry["provider"], "openai")
    if provider == "azure_openai":  # AzureOpenAI builds {endpoint}/openai/deployments/{deployment}/…
        return Route(provider, root, entry["endpoint"].replace("{deployment}", model))
    return Route(provider, root + entry["endpoint"].removesuffix(CHAT), entry["endpoint"])


def adapter(r: Route, model: str) -> LLMAdapter:
    return LLMAdapter(LLMSettings(provider=r.provider, model=model, api_base=r.api_base, api_key="k"), max_retries=0)


async def play(llm: LLMAdapter, tools=None) -> tuple[list, ProviderError | None]:
    """What the adapter yielded, and the ProviderError that ended it, if one did."""
    items: list = []
    try:
        async for item in llm.stream(USER, tools):
            items.append(item)
    except ProviderError as exc:
        return items, exc
    finally:
        await llm.aclose()
    return items, None


def got_fields(items: list) -> dict[str, Any]:
    usage = [i for i in items if isinstance(i, StreamUsage)]
    ends = [i for i in items if isinstance(i, StreamEnd)]
    return {
        "text": "".join(i.text for i in items if isinstance(i, StreamText)),
        "reasoning": "".join(i.text for i in items if isinstance(i, StreamReasoning)),
        "refusal": "".join(i.text for i in items if isinstance(i, StreamRefusal)),
        "tool_calls": [(i.name, json.loads(i.arguments)) for i in items if isinstance(i, StreamToolCall)],
        "stopped": [i.finish_reason for i in items if isinstance(i, StreamStopped)],
        "usage": (usage[-1].prompt_tokens, usage[-1].completion_tokens) if usage else None,
        "finish_reason": ends[-1].finish_reason if ends else "<no StreamEnd>",
    }


def expected_fields(exp: reference.Expected) -> dict[str, Any]:
    return {
        "text": exp.text,
        "reasoning": exp.reasoning,
        "refusal": exp.refusal,
        "tool_calls": exp.tool_calls,
        "stopped": [exp.finish_reason] if exp.finish_reason in CUT_REASONS else [],
        "usage": exp.usage,
        "finish_reason": exp.finish_reason,
    }


def partial_fields(items: list) -> dict[str, str]:
    got = got_fields(items)
    return {k: got[k] for k in ("text", "reasoning", "refusal")}


def assert_real_client_asked(paths: list[str], r: Route) -> None:
    assert len(paths) == 1, paths
    where = urlsplit(paths[0])
    assert where.path == r.path
    if r.provider == "azure_openai":
        assert parse_qs(where.query).get("api-version"), paths[0]  # the Azure SDK, not a plain OpenAI client


def _id(entry: dict) -> str:
    return Path(entry["file"]).stem


STREAMS = [e for e in ENTRIES if e["format"] == "sse"]


def test_every_chat_completions_recording_is_covered():
    """The index's chat-completions rows are all replayed here (a new recording joins by itself)."""
    assert {e["format"] for e in ENTRIES} == {"sse", "json"}
    assert len(STREAMS) >= 15
    assert {e["provider"] for e in STREAMS} >= {"openai", "azure", "groq", "deepseek", "mistral", "ollama", "vllm", "snowflake", "gpustack", "llamacpp"}


@pytest.mark.parametrize("entry", STREAMS, ids=_id)
async def test_recorded_stream_through_the_adapter_matches_the_referee(entry, openai_server):
    body, exp, model = body_of(entry), expected_of(entry), model_of(entry)
    r = route(entry, openai_server.base_url.removesuffix("/v1"), model)
    openai_server.enqueue(Replay(body))
    items, raised = await play(adapter(r, model), tools_for(exp))

    assert_real_client_asked(openai_server.paths, r)
    assert openai_server.requests[0]["model"] == model and openai_server.requests[0]["stream"] is True
    if exp.error is not None:  # a recorded error event: the turn fails, with the provider's words
        assert raised is not None, f"no ProviderError; got {items!r}"
        assert exp.error in raised.message
        if exp.error_status is not None:  # the event's body says which HTTP error it stands for
            assert (raised.status, raised.kind) == (exp.error_status, "bad_request" if exp.error_status == 400 else raised.kind)
        assert partial_fields(items) == {"text": exp.text, "reasoning": exp.reasoning, "refusal": exp.refusal}
        return
    if not exp.complete:  # neither [DONE] nor a finish_reason: the answer was cut off
        assert raised is not None and "cut off" in raised.message, (raised, items)
        assert partial_fields(items) == {"text": exp.text, "reasoning": exp.reasoning, "refusal": exp.refusal}
        return
    assert raised is None, f"a complete recording raised {raised!r}"
    assert got_fields(items) == expected_fields(exp)
    assert isinstance(items[-1], StreamEnd) and sum(isinstance(i, StreamEnd) for i in items) == 1


# ---------------------------------------------------------------- streams cut short

# Real recordings, ended early at a point where the connection could drop: between two events
# (before the one with the finish_reason) or in the middle of that event's data line.
CUT_SOURCES = [
    "openai_text_usage.sse",
    "openai_parallel_tool_calls.sse",
    "deepseek_reasoner_reasoning_content.sse",
    "mistral_thinking_content_parts.sse",
    "gpustack_reasoning_no_done.sse",
    "azure_text_content_filter.sse",
    "azure_parallel_tool_calls_content_filter.sse",
]


def cut_before_end(body: bytes, mid_event: bool) -> bytes:
    """The longest prefix ending on an event boundary that has neither a finish_reason nor
    [DONE]; with mid_event, plus half of the next event (no blank line ends it)."""
    ends = reference.event_ends(body)
    keep = 0
    for end in ends:
        seen = reference.decode(body[keep:end])  # this one event
        if seen.finish_reason is not None or seen.done:
            if mid_event:
                return body[: keep + (end - keep) // 2]
            return body[:keep]
        keep = end
    raise AssertionError("the recording never finishes")


@pytest.mark.parametrize("mid_event", [False, True], ids=["between-events", "mid-event"])
@pytest.mark.parametrize("name", CUT_SOURCES)
async def test_a_recording_cut_before_its_end_fails_as_cut_off(name, mid_event, openai_server):
    entry = BY_FILE[name]
    body = cut_before_end(body_of(entry), mid_event)
    exp, model = reference.decode(body), model_of(entry)
    assert not exp.complete and exp.error is None  # the referee agrees it is cut off
    r = route(entry, openai_server.base_url.removesuffix("/v1"), model)
    openai_server.enqueue(Replay(body))
    items, raised = await play(adapter(r, model), tools_for(reference.decode(body_of(entry))))

    assert_real_client_asked(openai_server.paths, r)
    assert raised is not None, f"no ProviderError; got {items!r}"
    assert "cut off" in raised.message and raised.kind == "connection", repr(raised)
    assert partial_fields(items) == {"text": exp.text, "reasoning": exp.reasoning, "refusal": exp.refusal}
    assert not any(isinstance(i, StreamEnd | StreamToolCall) for i in items)


# ---------------------------------------------------------------- a recorded HTTP error body


class _StatusServer:
    """Serves one recorded body with the recorded HTTP status (the Replay kind always says 200)."""

    def __init__(self, body: bytes, status: int, content_type: str) -> None:
        outer = self
        self.paths: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.paths.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.root = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> _StatusServer:
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["format"] == "json"], ids=_id)
async def test_recorded_http_error_body_fails_the_request_with_its_message(entry):
    exp, model = expected_of(entry), "gpt-4o-mini"
    assert exp.error is not None
    status = 400 if "http-400" in entry["shows"] else 500
    with _StatusServer(body_of(entry), status, "application/json") as srv:
        r = route(entry, srv.root, model)
        items, raised = await play(adapter(r, model))
        assert_real_client_asked(srv.paths, r)
    assert raised is not None, f"no ProviderError; got {items!r}"
    assert (raised.kind, raised.status) == ("bad_request", status), repr(raised)
    assert exp.error in raised.message, raised.message
    assert items == []


# ---------------------------------------------------------------- a whole turn


@pytest.mark.parametrize("name", ["openai_refusal.sse", "deepseek_reasoner_reasoning_content.sse"])
async def test_a_whole_turn_keeps_the_recorded_refusal_and_reasoning(name, openai_server, make_engine):
    from tests.engine_helpers import run

    entry = BY_FILE[name]
    exp, model = expected_of(entry), model_of(entry)
    r = route(entry, openai_server.base_url.removesuffix("/v1"), model)
    openai_server.enqueue(Replay(body_of(entry)))
    engine = await make_engine(provider=r.provider, model=model, base_url=r.api_base)
    events = await run(engine, "hi")

    assert_real_client_asked(openai_server.paths, r)
    finished = [e for e in events if isinstance(e, TurnFinished)]
    assert len(finished) == 1, [e.type for e in events]
    saved = engine.context.history.messages[-1]
    assert saved.role.value == "assistant"
    assert (saved.content or "", saved.reasoning or "", saved.refusal or "") == (exp.text, exp.reasoning, exp.refusal)
    assert finished[0].refusal == (exp.refusal or None)
    assert finished[0].content == exp.text
    assert any(isinstance(e, ReasoningDelta) for e in events) == bool(exp.reasoning)
