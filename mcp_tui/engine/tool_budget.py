"""Warn when the tool schemas sent with every request are large.

Every request carries every tool's schema: 2,000 tools are hundreds of KiB and a large share
of the context on each turn, which the user pays for without seeing it.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_tui.models.events import ToolSchemasLarge
from mcp_tui.store.tokens import count_tools_tokens
from mcp_tui.words import plural

MAX_TOOLS = 100
MAX_SCHEMA_BYTES = 64 * 1024
MAX_THRESHOLD_SHARE = 0.10  # of the token threshold, per request


class ToolSetWatch:
    """Says so once per change of the tool set."""

    def __init__(self) -> None:
        self._names: tuple[str, ...] | None = None

    def changed(self, tools: list[dict[str, Any]]) -> bool:
        """True (once) when the set differs from the last one checked; cheap, so it runs on the loop."""
        names = tuple((t.get("function") or {}).get("name", "") for t in tools)
        if names == self._names:
            return False
        self._names = names
        return True

    def check(self, tools: list[dict[str, Any]], token_threshold: int, model: str | None = None) -> tuple[ToolSchemasLarge | None, int]:
        """The warning for this set (None when it is small) and the set's tokens; counting takes
        ~60 ms for 2,000 tools."""
        size, tokens = len(json.dumps(tools, separators=(",", ":")).encode()), count_tools_tokens(tools, model)
        share = tokens / token_threshold if token_threshold > 0 else 0.0
        if len(tools) <= MAX_TOOLS and size <= MAX_SCHEMA_BYTES and share <= MAX_THRESHOLD_SHARE:
            return None, tokens
        message = (
            f"{plural(len(tools), 'tool')}, {size // 1024:,} KiB of schemas (~{tokens:,} tokens, {share:.0%} of the "
            f"{token_threshold:,}-token threshold) are sent with every request; disable servers you don't need."
        )
        return ToolSchemasLarge(tools=len(tools), schema_bytes=size, tokens=tokens, message=message), tokens
