"""A resource attached to a message: one quiet line under it (server:uri, type, size)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mcp_tui.text import safe_text


class AttachmentChip(Static):
    def __init__(self, label: str) -> None:
        line = Text()
        line.append("@ ", style="bold")
        line.append(safe_text(label))  # the server's uri and type: shown literally
        super().__init__(line, classes="attachment-chip")
        self.label = label
