"""Write a conversation as Markdown or JSON, and read the JSON back."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from mcp_tui.models.messages import ConversationHistory, Message, MessageRole
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.logsetup import mask_secrets
from mcp_tui.text import json_safe, safe_text

FORMAT = "mcp-tui/conversation@1"


def to_json(history: ConversationHistory, meta: dict[str, Any] | None = None) -> str:
    return mask_secrets(json_safe(json.dumps(
        {
            "format": FORMAT,
            "exported_at": datetime.now(timezone.utc).isoformat(),
            "meta": meta or {},
            "messages": [m.model_dump(mode="json", exclude_defaults=True) for m in history.messages],
        },
        indent=2,
        ensure_ascii=False,
    )))


def from_json(text: str) -> ConversationHistory:
    """Raises ValueError with a readable reason when the text is not an exported conversation."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not an mcp-tui conversation (expected format {FORMAT!r})")
    history = ConversationHistory(messages=[Message.model_validate(m) for m in data.get("messages", [])])
    history.renumber_repeated_call_ids()
    history.validate_sequence()
    return history


def to_markdown(
    history: ConversationHistory,
    title: str = "mcp-tui conversation",
    segments: list[dict[str, Any]] | None = None,
    usage: TokenUsageStats | None = None,
) -> str:
    """The whole conversation; `segments` (from a session file) mark where each one ended;
    `usage` ends it with the session's figures and where they come from.
    Cleaned: `cat` of an export must not write the model's or a tool's escapes to a terminal."""
    out = [f"# {title}", ""]
    names: dict[str, str] = {}
    ends = {int(s.get("start", 0)): s for s in segments or []}  # non-system index where the next segment starts
    position = 0
    for message in history.messages:
        if message.role is not MessageRole.SYSTEM:
            if position in ends:
                seg = ends[position]
                out += ["---", "", f"*Segment {int(seg.get('segment', 2)) - 1} ended. Summary:* {seg.get('summary', '')}", ""]
            position += 1
        if message.role is MessageRole.SYSTEM:
            out += ["## System", "", message.content or "", ""]
        elif message.role is MessageRole.USER:
            out += ["## You", "", message.content or "", ""]
        elif message.role is MessageRole.ASSISTANT:
            out += ["## Assistant" + (" (stopped)" if message.interrupted else ""), ""]
            if message.reasoning:
                out += ["> **Thinking**", ">", *[f"> {line}" for line in message.reasoning.splitlines()], ""]
            if message.refusal:
                out += [f"**Refused:** {message.refusal}", ""]
            if message.content:
                out += [message.content, ""]
            for call in message.tool_calls:
                names[call.id] = call.name
                out += [f"**Tool call** `{call.name}`", "", "```json", _pretty(call.arguments), "```", ""]
        elif message.role is MessageRole.TOOL:
            name = names.get(message.tool_call_id or "", message.name or "tool")
            out += [f"**Tool result** `{name}`", "", "```", (message.content or "").replace("```", "'''"), "```", ""]
    if usage is not None:
        out += ["---", "", "*Tokens and cost:* " + usage.totals_line(), ""]
    return mask_secrets(safe_text("\n".join(out)))


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments
