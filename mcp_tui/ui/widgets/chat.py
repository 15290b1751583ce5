"""The chat pane: user and assistant messages, tool chips and errors, in a scrolling transcript.

Model and tool text is shown literally: it goes through `safe_text` (no escape
sequences) and into Markdown or `Text` objects, never into Rich markup.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from mcp_tui.text import safe_text

FRAME = 1 / 30  # deltas are batched per frame: one Markdown append per frame, not per chunk


class Transcript(VerticalScroll):
    """Follows the bottom while an answer streams, unless the user scrolled up."""

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, widget) -> None:
        await self.mount(widget)


class UserMessage(Static):
    def __init__(self, text: str) -> None:
        super().__init__(Text(safe_text(text)), classes="message user")
        self.border_title = "you"


class AssistantMessage(Markdown):
    """An answer that streams in as Markdown, through Textual's incremental MarkdownStream."""

    def __init__(self, label: str = "assistant") -> None:
        super().__init__("", classes="message assistant")
        self.border_title = label
        self._parts: list[str] = []  # joined on demand: `+=` on an attribute copies the whole answer per chunk
        self._pending: list[str] = []
        self._stream = None
        self._flush_timer = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def append_text(self, delta: str) -> None:
        delta = safe_text(delta)
        if not delta:
            return
        self._parts.append(delta)
        self._pending.append(delta)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(FRAME, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        if not self._pending:
            return
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        chunk = "".join(self._pending)
        self._pending.clear()
        await self._stream.write(chunk)

    async def finish(self, *, interrupted: bool = False) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        try:
            await self._flush()
        finally:
            if self._stream is not None:
                await self._stream.stop()
                self._stream = None
        if interrupted:
            self.add_class("interrupted")
            self.border_subtitle = "stopped"
        if not self._parts:
            self.add_class("empty")


class ToolChip(Static):
    """A compact line for one tool call inside the answer: server.tool, status, duration."""

    ICONS = {"requested": "·", "waiting": "?", "running": "⟳", "done": "✓", "error": "✗", "failed": "✗", "timeout": "⏱", "denied": "⊘", "cancelled": "⊘"}

    def __init__(self, call_id: str, label: str) -> None:
        super().__init__(classes="tool-chip")
        self.call_id = call_id
        self.label = label
        self.state = "requested"
        self.detail = ""
        self.started = time.monotonic()
        self._refresh_label()

    def set_state(self, state: str, detail: str = "") -> None:
        self.remove_class(f"-{self.state}")
        self.state, self.detail = state, detail
        self.add_class(f"-{state}")
        self._refresh_label()

    def _refresh_label(self) -> None:
        line = Text()
        line.append(f"⚙ {self.label}  ", style="bold")
        line.append(f"{self.ICONS.get(self.state, '')} {self.state}")
        if self.detail:
            line.append(f"  {self.detail}")
        self.update(line)


class ErrorNote(Static):
    """An error a user can act on: what happened, and what to do next."""

    def __init__(self, error: str, hint: str = "") -> None:
        text = Text()
        text.append("✗ ", style="bold")
        text.append(safe_text(error))
        if hint:
            text.append("\n→ ")
            text.append(safe_text(hint))
        super().__init__(text, classes="message error")


class InfoNote(Static):
    """Output of a slash command or a notice, shown in the transcript."""

    def __init__(self, text, title: str = "") -> None:
        # Plain strings become Text so nothing in them is read as markup.
        super().__init__(Text(text) if isinstance(text, str) else text, classes="message info")
        if title:
            self.border_title = title
