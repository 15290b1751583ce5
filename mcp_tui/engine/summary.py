"""Segment summaries: by the current model, or extractive when the model fails."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from mcp_tui.llm.prompts import SUMMARY_PROMPT

log = logging.getLogger(__name__)

SUMMARY_TIMEOUT = 60.0
TRANSCRIPT_CHARS = 60_000  # what a summary request carries at most


def transcript(messages: list[dict[str, Any]]) -> str:
    lines = []
    for m in messages:
        if m["role"] == "system":
            continue
        content = m.get("content") or ""
        if m.get("tool_calls"):
            content += " [called " + ", ".join(tc["function"]["name"] for tc in m["tool_calls"]) + "]"
        lines.append(f"{m['role']}: {content}")
    text = "\n".join(lines)
    return text[-TRANSCRIPT_CHARS:]


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


async def model_summary(llm: Any, messages: list[dict[str, Any]]) -> str | None:
    """A summary written by the current model, or None when it cannot give one."""
    request = [{"role": "system", "content": SUMMARY_PROMPT}, {"role": "user", "content": transcript(messages)}]
    try:
        async with asyncio.timeout(SUMMARY_TIMEOUT):
            text = "".join([item.text async for item in llm.stream(request, None) if getattr(item, "text", "")])
    except Exception as exc:  # any provider failure falls back to the extractive summary
        log.warning("model summary failed: %s", exc)
        return None
    return text.strip() or None
