"""One resource's contents, as read from its server (a resource link of a tool result, or
/read): text shown literally, JSON pretty, binary as its type and size."""

from __future__ import annotations

import base64
import binascii

import mcp_types as types
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mcp_tui.text import safe_text
from mcp_tui.ui.screens.tool_detail import SHOWN_CHARS, pretty


def _size(blob: str) -> int:
    try:
        return len(base64.b64decode(blob))
    except (binascii.Error, ValueError):
        return len(blob) * 3 // 4


class ResourceViewer(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    def __init__(self, server: str, uri: str, result: types.ReadResourceResult) -> None:
        super().__init__()
        self.server, self.uri, self.result = server, uri, result

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="resource-viewer"):
            yield Static(Text(safe_text(f"{self.server}:{self.uri}"), style="bold"))
            if not self.result.contents:
                yield Static(Text("(the server sent no contents)", style="dim"))
            for item in self.result.contents:
                mime = item.mime_type or "unknown type"
                if isinstance(item, types.TextResourceContents):
                    size = len(item.text.encode("utf-8", "replace"))
                    yield Static(Text(safe_text(f"{item.uri} · {mime} · {size:,} bytes"), style="dim"))
                    yield Static(pretty(item.text[:SHOWN_CHARS]))
                    if len(item.text) > SHOWN_CHARS:
                        yield Static(Text(f"… {len(item.text) - SHOWN_CHARS:,} more characters not shown", style="dim"))
                else:
                    yield Static(Text(safe_text(f"{item.uri} · {mime} · {_size(item.blob):,} bytes"), style="dim"))
                    yield Static(Text("binary content: not shown", style="italic"))

    def on_mount(self) -> None:
        panel = self.query_one("#resource-viewer")
        panel.border_title = "resource"
        panel.border_subtitle = "esc close"
        panel.focus()
