"""Ctrl+G: the conversation's segments, and one segment read-only with its summary."""

from __future__ import annotations

import json
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mcp_tui.engine.context import SegmentInfo
from mcp_tui.text import safe_text
from mcp_tui.ui.widgets.token_gauge import short_count


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M")


def time_range(segment: SegmentInfo) -> str:
    bounds = segment.time_range
    return f"{_clock(bounds[0])}–{_clock(bounds[1])}" if bounds else "—"


def first_line(text: str | None, limit: int = 60) -> str:
    if text is None:
        return "(current segment)"
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


class SegmentBrowser(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close"), Binding("enter", "open", "Open segment")]

    def __init__(self, segments: list[SegmentInfo]) -> None:
        super().__init__()
        self.segments = segments

    def compose(self) -> ComposeResult:
        table = DataTable(id="segment-table", cursor_type="row", zebra_stripes=True)
        table.border_title = f"segments ({len(self.segments)})"
        table.border_subtitle = "enter open · esc close"
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "time", "messages", "tokens", "cost", "summary")
        for seg in self.segments:
            cost = f"${seg.cost:.4f}" if seg.cost is not None else "no price"
            table.add_row(str(seg.number), time_range(seg), str(len(seg.messages)), short_count(seg.tokens), cost, Text(safe_text(first_line(seg.summary))), key=str(seg.number))
        table.move_cursor(row=len(self.segments) - 1)
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.app.push_screen(SegmentView(self.segments[table.cursor_row]))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()


class SegmentView(ModalScreen[None]):
    """One segment's messages, tool calls and results, and its full summary (read-only)."""

    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(self, segment: SegmentInfo) -> None:
        super().__init__()
        self.segment = segment

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="segment-view"):
            if self.segment.summary is not None:
                yield Static("summary", classes="sidebar-heading")
                yield Static(Text(safe_text(self.segment.summary)), classes="message info")
            yield Static("messages", classes="sidebar-heading")
            for message in self.segment.messages:
                yield Static(render_message(message), classes=f"message {message.role.value}-view")

    def on_mount(self) -> None:
        view = self.query_one("#segment-view")
        view.border_title = f"segment {self.segment.number} · {time_range(self.segment)}"
        view.border_subtitle = "esc back"
        view.focus()


def render_message(message) -> Text:
    text = Text()
    text.append(f"{message.role.value}", style="bold")
    if message.interrupted:
        text.append(" (stopped)", style="dim")
    text.append("\n")
    if message.content:
        text.append(safe_text(message.content))
    for call in message.tool_calls:
        text.append(f"\n⚙ {safe_text(call.name)} ", style="bold")
        text.append(safe_text(_pretty(call.arguments)))
    return text


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments), ensure_ascii=False)
    except ValueError:
        return arguments
