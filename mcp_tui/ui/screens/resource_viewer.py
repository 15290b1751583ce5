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


def _decoded(blob: str) -> bytes | None:
    try:
        return base64.b64decode(blob)
    except (binascii.Error, ValueError):
        return None


def _as_text(data: bytes | None, mime: str) -> str | None:
    """A blob that says it is text (text/*, JSON) and decodes as UTF-8 is shown as text."""
    if data is None or not (mime.startswith("text/") or mime.endswith("json")):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


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
                    data = _decoded(item.blob)
                    size = len(data) if data is not None else len(item.blob) * 3 // 4
                    yield Static(Text(safe_text(f"{item.uri} · {mime} · {size:,} bytes (base64)"), style="dim"))
                    shown = _as_text(data, mime)
                    yield Static(pretty(shown[:SHOWN_CHARS]) if shown is not None else Text("binary content: not shown", style="italic"))

    def on_mount(self) -> None:
        panel = self.query_one("#resource-viewer")
        panel.border_title = "resource"
        panel.border_subtitle = "esc close"
        panel.focus()
