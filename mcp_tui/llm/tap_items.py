"""The dicts a native tap (anthropic_tap, gemini_tap, ollama_tap) yields: what LLMAdapter.stream
reads. Each tap reads its SDK's raw stream and hands over text and reasoning as they come, then
the tool calls, then one last item with the finish reason and usage in OpenAI's words."""

from __future__ import annotations

import uuid
from typing import Any


class IncompleteStream(Exception):
    """The stream ended before the provider's end event: the answer was cut off (LLMAdapter
    maps this class name)."""


def field(obj: Any, name: str) -> Any:
    """`name` of an SDK object or dict, also a field the SDK does not declare (kept as an extra)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    value = getattr(obj, name, None)
    if value is None:
        value = (getattr(obj, "model_extra", None) or {}).get(name)
    return value


def text(value: str) -> dict[str, Any]:
    return {"response": value, "tool_calls": None}


def reasoning(value: str) -> dict[str, Any]:
    return {"response": "", "tool_calls": None, "reasoning": value}


def tool_call(call_id: str | None, name: str, arguments: str) -> dict[str, Any]:
    return {
        "id": call_id or f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {"name": name, "arguments": arguments or "{}"},
    }


def calls(found: list[dict[str, Any]], client: Any = None, name_mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """All the tool calls in one item, their names as we sent them (chuk-llm rewrites some)."""
    item = {"response": "", "tool_calls": found}
    if name_mapping and client is not None:
        item = client._restore_tool_names_in_response(item, name_mapping)
    return item


def usage(prompt: int | None, completion: int | None, cached: int | None = 0, reasoning_tokens: int | None = 0) -> dict[str, Any]:
    """A usage report in OpenAI's shape (cached is part of prompt, reasoning part of completion)."""
    prompt, completion = int(prompt or 0), int(completion or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": int(cached or 0)},
        "completion_tokens_details": {"reasoning_tokens": int(reasoning_tokens or 0)},
    }


def end(finish_reason: str | None, usage_report: dict[str, Any] | None) -> dict[str, Any]:
    return {"response": "", "tool_calls": None, "finish_reason": finish_reason, "usage": usage_report, "end": True}
