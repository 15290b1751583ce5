"""An independent reference decoder for recorded OpenAI-style chat-completions streams.

It is the referee of tests/test_replays.py: written from the wire formats (the WHATWG
server-sent-events rules and OpenAI's `chat.completion.chunk` shape, with the variants the
recordings show), and on purpose imports nothing from mcp_tui, chuk_llm or openai.

    expected = decode(body)              # an SSE body (bytes)
    expected = decode_json_error(body)   # a non-stream JSON error body (HTTP 4xx)

What it reads from each `data:` payload (JSON):
- `[DONE]` ends the stream (`done`); nothing after it counts;
- a payload with an `error` member, or any payload of an `event: error` event, is the
  stream's error (`error`: its message);
- `choices[0].delta`: `content` as a string, or as a list of parts (`{"type": "text"}` is
  text, `{"type": "thinking", "thinking": [parts] | str}` is reasoning, Mistral);
  `reasoning_content` (DeepSeek, GPUStack/llama.cpp) and `reasoning` (Groq, Ollama, vLLM)
  are reasoning; so are `reasoning_details` entries of type `reasoning.text` (their `text`)
  and `reasoning.summary` (their `summary`), the shape OpenRouter and Snowflake Cortex use;
  `refusal` is refusal; `tool_calls` are assembled by `index`, or by `id` when a delta has
  no index (a delta with neither continues the last call);
- `choices[0].finish_reason`: the last non-null one;
- top-level `usage`: the last non-null one, as (prompt_tokens, completion_tokens).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Expected:
    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    tool_calls: list[tuple[str, Any]] = field(default_factory=list)  # (name, parsed arguments: a dict; raw str if not JSON)
    finish_reason: str | None = None
    done: bool = False  # `data: [DONE]` was seen
    usage: tuple[int, int] | None = None  # (prompt_tokens, completion_tokens)
    error: str | None = None  # the message of an `event: error` / `{"error": …}` payload
    error_status: int | None = None  # the HTTP status such an error event names (`status_code`)

    @property
    def complete(self) -> bool:
        """A client should treat the stream as a whole answer: it ended with [DONE] or gave a
        finish_reason, and reported no error."""
        return self.error is None and (self.done or self.finish_reason is not None)


@dataclass
class Event:
    """One dispatched server-sent event."""

    event: str  # "message" when the event had no `event:` field
    data: str


def events(body: bytes) -> list[Event]:
    """The events of an SSE body, per the WHATWG event-stream interpretation rules: lines end
    in CRLF, LF or CR; `:` starts a comment; one space after the colon is dropped; `data`
    lines join with "\\n"; a blank line dispatches; an event with no data is not dispatched;
    an unterminated event at the end of the body is discarded."""
    text = body.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # split() leaves a last element after the final line break: "" when the body ended on a
    # line break, else an unterminated line. Either way it is not a complete line.
    lines = lines[:-1]
    out: list[Event] = []
    data: list[str] = []
    kind = ""
    for line in lines:
        if line == "":
            if data:
                out.append(Event(kind or "message", "\n".join(data)))
            data, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            kind = value
        # id, retry and unknown fields do not matter here
    return out  # a pending event without its blank line is dropped


def _message_of(error: Any) -> str:
    if isinstance(error, dict):
        message = error.get("message")
        if isinstance(message, str) and message:
            return message
        return json.dumps(error)
    return str(error)


def _parts(parts: Any) -> tuple[str, str]:
    """(text, reasoning) of a content list."""
    text, reasoning = [], []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            text.append(part["text"])
        elif kind == "thinking":
            inner = part.get("thinking")
            if isinstance(inner, str):
                reasoning.append(inner)
            else:
                reasoning.append(_parts(inner)[0])  # its text parts
    return "".join(text), "".join(reasoning)


def _details(details: Any) -> str:
    out = []
    for d in details if isinstance(details, list) else []:
        if not isinstance(d, dict):
            continue
        if d.get("type") == "reasoning.text" and isinstance(d.get("text"), str):
            out.append(d["text"])
        elif d.get("type") == "reasoning.summary" and isinstance(d.get("summary"), str):
            out.append(d["summary"])
    return "".join(out)


class _Calls:
    def __init__(self) -> None:
        self.order: list[dict[str, str]] = []
        self.by_index: dict[Any, dict[str, str]] = {}
        self.by_id: dict[str, dict[str, str]] = {}

    def add(self, tc: dict[str, Any]) -> None:
        index, cid = tc.get("index"), tc.get("id") or ""
        acc = None
        if index is not None:
            acc = self.by_index.get(index)
        elif cid:
            acc = self.by_id.get(cid)
        elif self.order:
            acc = self.order[-1]
        if acc is None:
            acc = {"id": cid, "name": "", "arguments": ""}
            self.order.append(acc)
            if index is not None:
                self.by_index[index] = acc
        if cid:
            acc["id"] = cid
            self.by_id.setdefault(cid, acc)
        function = tc.get("function") or {}
        if function.get("name"):
            acc["name"] = function["name"]
        if isinstance(function.get("arguments"), str):
            acc["arguments"] += function["arguments"]
        elif isinstance(function.get("arguments"), dict):  # some servers send an object
            acc["arguments"] += json.dumps(function["arguments"])

    def result(self) -> list[tuple[str, Any]]:
        """(name, parsed arguments); arguments that are not JSON (a stream cut mid-call) stay
        the raw string."""
        out = []
        for acc in self.order:
            try:
                args = json.loads(acc["arguments"] or "{}")
            except ValueError:
                args = acc["arguments"]
            out.append((acc["name"], args))
        return out


def decode(body: bytes) -> Expected:
    """What an OpenAI-style SSE body says, by the rules in the module docstring."""
    out = Expected()
    text, reasoning, refusal = [], [], []
    calls = _Calls()
    for ev in events(body):
        if ev.data.strip() == "[DONE]":
            out.done = True
            break
        payload = json.loads(ev.data)
        if ev.event == "error" or (isinstance(payload, dict) and payload.get("error") is not None):
            inner = payload.get("error", payload) if isinstance(payload, dict) else payload
            out.error = _message_of(inner)
            status = inner.get("status_code") if isinstance(inner, dict) else None
            out.error_status = status if isinstance(status, int) else None
            continue
        if not isinstance(payload, dict):
            continue
        if payload.get("usage") is not None:
            usage = payload["usage"]
            out.usage = (int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
        choices = payload.get("choices") or []
        if not choices:
            continue
        choice = choices[0]
        if choice.get("finish_reason") is not None:
            out.finish_reason = choice["finish_reason"]
        delta = choice.get("delta") or {}
        content = delta.get("content")
        if isinstance(content, str):
            text.append(content)
        elif isinstance(content, list):
            t, r = _parts(content)
            text.append(t)
            reasoning.append(r)
        for key in ("reasoning_content", "reasoning"):
            if isinstance(delta.get(key), str):
                reasoning.append(delta[key])
        reasoning.append(_details(delta.get("reasoning_details")))
        if isinstance(delta.get("refusal"), str):
            refusal.append(delta["refusal"])
        for tc in delta.get("tool_calls") or []:
            calls.add(tc)
    out.text, out.reasoning, out.refusal = "".join(text), "".join(reasoning), "".join(refusal)
    out.tool_calls = calls.result()
    return out


def decode_json_error(body: bytes) -> Expected:
    """A whole-body JSON error (e.g. Azure's HTTP 400 to a filtered prompt)."""
    payload = json.loads(body)
    error = payload.get("error") if isinstance(payload, dict) else None
    return Expected(error=_message_of(error) if error is not None else None)


def models(body: bytes) -> list[str]:
    """The non-empty `model` names the chunks carry, in order (for choosing what to ask for)."""
    names = []
    for ev in events(body):
        try:
            payload = json.loads(ev.data)
        except ValueError:
            continue
        if isinstance(payload, dict) and isinstance(payload.get("model"), str) and payload["model"]:
            names.append(payload["model"])
    return names


def event_ends(body: bytes) -> list[int]:
    """Byte offsets just after each blank line that ends an event (LF or CRLF framing): the
    places a connection could close between two events."""
    ends, i = [], 0
    while True:
        lf = body.find(b"\n\n", i)
        crlf = body.find(b"\r\n\r\n", i)
        hits = [(p, n) for p, n in ((lf, 2), (crlf, 4)) if p != -1]
        if not hits:
            return ends
        p, n = min(hits)
        ends.append(p + n)
        i = p + n
