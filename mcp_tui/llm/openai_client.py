"""chuk-llm's OpenAILLMClient with the streaming fixes we need.

Imports chuk_llm: import this module lazily. It overrides a private method, which is why
chuk-llm is pinned to 0.20.1. What 0.20.1 does and this changes:
- a streamed tool call whose arguments stay "" (no parameters) or are not JSON is dropped:
  we assemble tool calls from the raw chunks ourselves and hand every one over at the end;
- failures come back as an error chunk holding only text, after 1 s of chuk-llm retry on
  top of the SDK's: here the SDK's exception is raised (status, Retry-After intact) and
  the retries follow `max_retries`;
- a stream that stops with no finish_reason ends like a complete answer: here it raises
  IncompleteStream; and finish_reason is never passed on (an answer cut at the output limit,
  "length", looks complete): here the last item carries it;
- tool-call deltas are keyed on `index` alone (`getattr(tc, "index", 0)`; the SDK makes a
  missing index None), so calls streamed without one are merged: here a new id starts a call;
- tool names are rewritten on the wire (`time__get_current_time` is sent as
  `time_get_current_time`): names that are already OpenAI-safe are sent as they are;
- the raw HTTP stream is closed in a `finally`, so giving up on the answer drops the
  connection at once;
- the provider's usage is never asked for nor read: here `stream_options.include_usage` is sent
  (dropped for a server that refuses it) and the last item carries the usage it reported;
- `delta.refusal`, reasoning (`reasoning_content` from DeepSeek, `reasoning` from Groq, Ollama and
  vLLM) and content sent as a list of parts (Mistral's `thinking` + `text`) are dropped or turned
  into a Python repr: here the chunks are read by the tap itself, each field to its own item;
- a stream that ends with `[DONE]` but never gave a finish_reason (Snowflake Cortex) is complete:
  the tap watches the SSE events for `[DONE]`; only a stream with neither is cut off.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from chuk_llm.llm.providers.openai_client import OpenAILLMClient

# chuk-llm retries a failed request once (after 1 s) when its text holds one of these.
_CHUK_RETRYABLE = ("timeout", "connection", "network", "temporary", "rate limit")
_SAFE_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class IncompleteStream(Exception):
    """The stream ended without a finish_reason: the answer was cut off."""


def _field(obj: Any, name: str) -> Any:
    """A field of an SDK object, also one the SDK does not declare (kept as an extra)."""
    value = getattr(obj, name, None)
    if value is None:
        value = (getattr(obj, "model_extra", None) or {}).get(name)
    return value


def _parts(content: Any) -> tuple[str, str]:
    """(text, reasoning) of a content list: text parts, and `thinking` parts (Mistral)."""
    text, reasoning = [], []
    for part in content if isinstance(content, list) else []:
        part = part if isinstance(part, dict) else getattr(part, "__dict__", {})
        if part.get("type") == "thinking":
            inner = part.get("thinking")
            reasoning.append(inner if isinstance(inner, str) else _parts(inner)[0])
        elif isinstance(part.get("text"), str):
            text.append(part["text"])
    return "".join(text), "".join(reasoning)


def _details(delta: Any) -> str:
    """Reasoning sent as `reasoning_details` entries (Snowflake Cortex, OpenRouter)."""
    details = _field(delta, "reasoning_details")
    texts = []
    for entry in details if isinstance(details, list) else []:
        entry = entry if isinstance(entry, dict) else getattr(entry, "__dict__", {})
        if entry.get("type") in ("reasoning.text", "reasoning.summary"):
            texts.append(entry.get("text") or entry.get("summary") or "")
    return "".join(texts)


class _Tap:
    """Reads the raw chunks: each field a provider sends becomes its own item."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.calls: list[dict[str, str]] = []  # in the order they began
        self._by_index: dict[int, dict[str, str]] = {}
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.done = False  # the server sent `data: [DONE]`
        self._watch_for_done()

    @property
    def finished(self) -> bool:
        return self.finish_reason is not None or self.done

    def _watch_for_done(self) -> None:
        """The SDK ends iteration at [DONE] without saying so; watch its SSE events (private:
        the SDK calls `_iter_events` once, when iteration begins)."""
        events = getattr(self.raw, "_iter_events", None)
        if events is None:
            return

        async def watched():
            async for sse in events():
                if sse.data.startswith("[DONE]"):
                    self.done = True
                yield sse

        self.raw._iter_events = watched

    async def items(self) -> AsyncIterator[dict[str, Any]]:
        async for chunk in self.raw:
            for item in self._see(chunk):
                yield item

    def _see(self, chunk: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        usage = getattr(chunk, "usage", None)
        if usage is not None:  # OpenAI sends it in a last chunk with no choices
            self.usage = usage.model_dump() if hasattr(usage, "model_dump") else dict(usage)
        for choice in getattr(chunk, "choices", None) or []:
            if choice.finish_reason:
                self.finish_reason = str(choice.finish_reason)
            delta = choice.delta
            if delta is None:
                continue
            content = delta.content
            text, thinking = (content, "") if isinstance(content, str) or content is None else _parts(content)
            reasoning = (_field(delta, "reasoning_content") or _field(delta, "reasoning") or "") + thinking + _details(delta)
            if reasoning:
                items.append({"reasoning": reasoning})
            if text:
                items.append({"response": text})
            if refusal := _field(delta, "refusal"):
                items.append({"refusal": refusal})
            for tc in getattr(delta, "tool_calls", None) or []:
                acc = self._call_for(tc)
                acc["id"] = tc.id or acc["id"]
                if tc.function is not None:
                    acc["name"] = tc.function.name or acc["name"]
                    acc["arguments"] += tc.function.arguments or ""
        return items

    def _call_for(self, tc: Any) -> dict[str, str]:
        """The call a delta continues, or a new one. With an `index`, a new id at that index
        starts a new call; without one, a new id does, and so does a name arriving for a call
        that already has its name and complete arguments (the same id sent twice)."""
        index, new_id = getattr(tc, "index", None), tc.id or ""
        if index is not None:
            acc = self._by_index.get(index)
            if acc is not None and not (new_id and acc["id"] and new_id != acc["id"]):
                return acc
        else:
            acc = next((a for a in reversed(self.calls) if a["id"] == new_id), None) if new_id else (self.calls or [None])[-1]
            if acc is not None and not (tc.function is not None and tc.function.name and acc["name"] and _complete(acc["arguments"])):
                return acc
        acc = {"id": new_id, "name": "", "arguments": ""}
        self.calls.append(acc)
        if index is not None:
            self._by_index[index] = acc
        return acc

    def tool_calls(self) -> list[dict[str, Any]]:
        return [
            {
                "id": acc["id"] or f"call_{uuid.uuid4().hex[:12]}",
                "type": "function",
                "function": {"name": acc["name"], "arguments": acc["arguments"] or "{}"},
            }
            for acc in self.calls
        ]


def _complete(arguments: str) -> bool:
    try:
        json.loads(arguments)
    except ValueError:
        return False
    return True


class TappedStream:
    """The streaming override, shared by chuk-llm's OpenAI and Azure OpenAI clients (whose
    requests differ only in how they are sent: `_create`).

    max_retries None keeps the libraries' retries (SDK 2, then chuk-llm 1 more round);
    a number sets the SDK's and turns chuk-llm's off.
    """

    ask_usage = True  # off once a server refuses stream_options
    chuk_retries = 1

    async def _stream_completion_async(  # type: ignore[override]
        self, messages: list, tools: list | None = None, name_mapping: dict[str, str] | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        raw = await self._open_stream(messages, tools, kwargs)
        tap = _Tap(raw)
        try:
            async for item in tap.items():
                yield {"response": "", "tool_calls": None, **item}
            if not tap.finished:
                raise IncompleteStream("the stream ended before the answer was complete (no finish_reason, no [DONE])")
            calls = tap.tool_calls()
            if calls:
                result = {"response": "", "tool_calls": calls}
                if name_mapping:
                    result = self._restore_tool_names_in_response(result, name_mapping)
                yield result
            yield {"response": "", "tool_calls": None, "finish_reason": tap.finish_reason, "usage": tap.usage, "end": True}
        finally:
            await raw.close()

    async def _open_stream(self, messages: list, tools: list | None, kwargs: dict[str, Any]) -> Any:
        """The request part of chuk-llm's _stream_completion_async, letting exceptions out."""
        for attempt in range(self.chuk_retries + 1):
            try:
                params = dict(kwargs)
                if self.ask_usage:
                    params.setdefault("stream_options", {"include_usage": True})
                return await self._create(messages, tools, params)
            except Exception as exc:
                if self.ask_usage and getattr(exc, "status_code", None) in (400, 422) and "stream_options" in str(exc):
                    self.ask_usage = False  # an older server: ask again without, usage stays estimated
                    return await self._open_stream(messages, tools, kwargs)
                if attempt < self.chuk_retries and any(p in str(exc).lower() for p in _CHUK_RETRYABLE):
                    await asyncio.sleep(attempt + 1.0)
                    continue
                raise
        raise AssertionError("unreachable")

    async def _create(self, messages: list, tools: list | None, params: dict[str, Any]) -> Any:
        raise NotImplementedError


class OpenAIStreamClient(TappedStream, OpenAILLMClient):
    """OpenAILLMClient whose streams raise on failure and lose no field or tool call."""

    def __init__(self, model: str, api_key: str | None, api_base: str | None, *, max_retries: int | None = None) -> None:
        super().__init__(model=model, api_key=api_key, api_base=api_base)
        self.chuk_retries = 1 if max_retries is None else 0
        if max_retries is not None:
            self.client = self.client.with_options(max_retries=max_retries)  # shares the HTTP pool

    def _sanitize_tool_names(self, tools: list[Any] | None) -> list[Any] | None:
        names = [(t.get("function") or {}).get("name", "") if isinstance(t, dict) else "" for t in tools or []]
        if names and all(_SAFE_NAME.match(n) for n in names):
            self._current_name_mapping = {}  # nothing to restore: the model sees our names
            return tools
        return super()._sanitize_tool_names(tools)

    async def _create(self, messages: list, tools: list | None, params: dict[str, Any]) -> Any:
        prepared = self._prepare_reasoning_model_messages(messages)
        params = self._prepare_reasoning_model_parameters(**params)
        prepared = await self._process_image_urls_in_messages(
            prepared, supports_direct_urls=self.detected_provider in ("openai", "anthropic", "google")
        )
        return await self.client.chat.completions.create(
            model=self.model, messages=prepared, **({"tools": tools} if tools else {}), stream=True, **params
        )
