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
  (dropped for a server that refuses it) and the last item carries the usage it reported.
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


class _Tap:
    """Watches the raw chunks on their way into chuk-llm's parser."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.calls: list[dict[str, str]] = []  # in the order they began
        self._by_index: dict[int, dict[str, str]] = {}
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self.error: BaseException | None = None

    @property
    def finished(self) -> bool:
        return self.finish_reason is not None

    async def chunks(self) -> AsyncIterator[Any]:
        try:
            async for chunk in self.raw:
                self._see(chunk)
                yield chunk
        except Exception as exc:  # chuk-llm would turn it into text; keep the object
            self.error = exc
            raise

    def _see(self, chunk: Any) -> None:
        usage = getattr(chunk, "usage", None)
        if usage is not None:  # OpenAI sends it in a last chunk with no choices
            self.usage = usage.model_dump() if hasattr(usage, "model_dump") else dict(usage)
        for choice in getattr(chunk, "choices", None) or []:
            if choice.finish_reason:
                self.finish_reason = str(choice.finish_reason)
            delta = choice.delta
            for tc in (getattr(delta, "tool_calls", None) or []) if delta else []:
                acc = self._call_for(tc)
                acc["id"] = tc.id or acc["id"]
                if tc.function is not None:
                    acc["name"] = tc.function.name or acc["name"]
                    acc["arguments"] += tc.function.arguments or ""

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


class OpenAIStreamClient(OpenAILLMClient):
    """OpenAILLMClient whose streams raise on failure and lose no tool call.

    max_retries None keeps the libraries' retries (SDK 2, then chuk-llm 1 more round);
    a number sets the SDK's and turns chuk-llm's off.
    """

    def __init__(self, model: str, api_key: str | None, api_base: str | None, *, max_retries: int | None = None) -> None:
        super().__init__(model=model, api_key=api_key, api_base=api_base)
        self.ask_usage = True  # off once a server refuses stream_options
        self.chuk_retries = 1 if max_retries is None else 0
        if max_retries is not None:
            self.client = self.client.with_options(max_retries=max_retries)  # shares the HTTP pool

    def _sanitize_tool_names(self, tools: list[Any] | None) -> list[Any] | None:
        names = [(t.get("function") or {}).get("name", "") if isinstance(t, dict) else "" for t in tools or []]
        if names and all(_SAFE_NAME.match(n) for n in names):
            self._current_name_mapping = {}  # nothing to restore: the model sees our names
            return tools
        return super()._sanitize_tool_names(tools)

    async def _stream_completion_async(  # type: ignore[override]
        self, messages: list, tools: list | None = None, name_mapping: dict[str, str] | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        raw = await self._open_stream(messages, tools, kwargs)
        tap = _Tap(raw)
        parsed = self._stream_from_async(tap.chunks(), name_mapping)
        try:
            async for item in parsed:
                if tap.error is not None:
                    raise tap.error
                if item.get("error"):
                    raise RuntimeError(item.get("response") or "streaming failed")
                if item.get("response"):  # its tool calls are ignored: the tap has them all
                    yield {"response": item["response"], "tool_calls": None}
            if tap.error is not None:
                raise tap.error
            if not tap.finished:
                raise IncompleteStream("the stream ended before the answer was complete (no finish_reason)")
            calls = tap.tool_calls()
            if calls:
                result = {"response": "", "tool_calls": calls}
                if name_mapping:
                    result = self._restore_tool_names_in_response(result, name_mapping)
                yield result
            yield {"response": "", "tool_calls": None, "finish_reason": tap.finish_reason, "usage": tap.usage}
        finally:
            await parsed.aclose()
            await raw.close()

    async def _open_stream(self, messages: list, tools: list | None, kwargs: dict[str, Any]) -> Any:
        """The request part of chuk-llm's _stream_completion_async, letting exceptions out."""
        for attempt in range(self.chuk_retries + 1):
            try:
                prepared = self._prepare_reasoning_model_messages(messages)
                params = self._prepare_reasoning_model_parameters(**kwargs)
                prepared = await self._process_image_urls_in_messages(
                    prepared, supports_direct_urls=self.detected_provider in ("openai", "anthropic", "google")
                )
                if self.ask_usage:
                    params.setdefault("stream_options", {"include_usage": True})
                return await self.client.chat.completions.create(
                    model=self.model, messages=prepared, **({"tools": tools} if tools else {}), stream=True, **params
                )
            except Exception as exc:
                if self.ask_usage and getattr(exc, "status_code", None) in (400, 422) and "stream_options" in str(exc):
                    self.ask_usage = False  # an older server: ask again without, usage stays estimated
                    kwargs.pop("stream_options", None)
                    return await self._open_stream(messages, tools, kwargs)
                if attempt < self.chuk_retries and any(p in str(exc).lower() for p in _CHUK_RETRYABLE):
                    await asyncio.sleep(attempt + 1.0)
                    continue
                raise
        raise AssertionError("unreachable")
