"""What became of a tool call, in the words its chip shows.

Live calls say it with their events. A saved conversation has only the tool message: newer
files record the outcome on it (`Message.outcome`); older ones are read from the texts the
engine wrote for each ending, so a refused call is never redrawn as done.
"""

from __future__ import annotations

from mcp_tui.engine.persistence import INTERRUPTED
from mcp_tui.engine.tool_runner import CANCELLED_TEXT, DENIED_TEXT
from mcp_tui.text import safe_text
from mcp_tui.words import clip_words

# FailureKind → the chip's state (its icon and colour)
CHIP_STATE = {"failed": "failed", "timeout": "timeout", "denied": "denied", "refused": "refused", "cancelled": "cancelled", "invalid_arguments": "failed", "unknown_tool": "failed"}
DETAIL_CHARS = 70
_PREFIXES = ("Tool error: ", "Error: ")


def outcome_of(message) -> str:
    """The chip state of a saved tool message: done, error (the tool said so), failed,
    timeout, denied or cancelled."""
    if message is None:
        return "cancelled"  # no answer saved: the app stopped before the call ended
    if message.outcome:
        return CHIP_STATE.get(message.outcome, message.outcome)
    text = message.content or ""
    if text == DENIED_TEXT:
        return "denied"
    if text in (CANCELLED_TEXT, INTERRUPTED):
        return "cancelled"
    if text.startswith("Tool error: "):
        return "error"
    if text.startswith("Error: "):
        return "timeout" if "timed out" in text.splitlines()[0] else "failed"
    return "done"


def chip_detail(state: str, text: str | None) -> str:
    """The first line of a real error, cut at a word; nothing for a refused or stopped call,
    whose text was written for the model (its chip's state says it: "refused by you" or "refused by policy")."""
    if state not in ("failed", "timeout", "error") or not text:
        return ""
    line = safe_text(text).strip().splitlines()[0] if text.strip() else ""
    for prefix in _PREFIXES:
        line = line.removeprefix(prefix)
    return clip_words(line.strip(), DETAIL_CHARS)
