"""Segment summaries: by the current model, or extractive when the model fails."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from mcp_tui.llm.prompts import SUMMARY_PROMPT

log = logging.getLogger(__name__)

SUMMARY_TIMEOUT = 60.0
TRANSCRIPT_CHARS = 60_000  # what a summary request carries at most


def transcript(messages: list[dict[str, Any]], max_chars: int = TRANSCRIPT_CHARS) -> str:
    lines = []
    for m in messages:
        if m["role"] == "system":
            continue
        content = m.get("content") or ""
        if m.get("tool_calls"):
            content += " [called " + ", ".join(tc["function"]["name"] for tc in m["tool_calls"]) + "]"
        lines.append(f"{m['role']}: {content}")
    text = "\n".join(lines)
    return text[-max_chars:]


def extractive_summary(messages: list[dict[str, Any]]) -> str:
    """What the user asked, which tools ran, and how the last answer began."""
    asks = [m.get("content", "").strip().splitlines()[0][:120] for m in messages if m["role"] == "user" and (m.get("content") or "").strip()]
    tools = sorted({tc["function"]["name"] for m in messages for tc in m.get("tool_calls") or []})
    answers = [m.get("content") or "" for m in messages if m["role"] == "assistant" and m.get("content")]
    parts = []
    if asks:
        parts.append("The user asked: " + "; ".join(asks[-8:]) + ("" if len(asks) <= 8 else f" (and {len(asks) - 8} earlier questions)"))
    if tools:
        parts.append("Tools used: " + ", ".join(tools))
    if answers:
        parts.append("The last answer began: " + answers[-1].strip()[:300])
    return ". ".join(parts) or "An empty conversation."


async def model_summary(
    llm: Any,
    messages: list[dict[str, Any]],
    *,
    max_chars: int = TRANSCRIPT_CHARS,
    on_usage: Callable[[list[dict[str, Any]], Any, str], None] | None = None,
) -> str | None:
    """A summary written by the current model, or None when it cannot give one. `on_usage`
    gets (request, the provider's usage or None, the text) so the request is counted too."""
    request = [{"role": "system", "content": SUMMARY_PROMPT}, {"role": "user", "content": transcript(messages, max_chars)}]
    parts: list[str] = []
    reported = None
    try:
        async with asyncio.timeout(SUMMARY_TIMEOUT):
            async for item in llm.stream(request, None):
                if hasattr(item, "prompt_tokens"):
                    reported = item
                elif getattr(item, "text", ""):
                    parts.append(item.text)
    except Exception as exc:  # any provider failure falls back to the extractive summary
        log.warning("model summary failed: %s", exc)
        return None
    finally:
        if on_usage is not None and (parts or reported is not None):
            on_usage(request, reported, "".join(parts))
    return "".join(parts).strip() or None
