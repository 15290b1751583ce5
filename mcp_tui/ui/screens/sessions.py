"""Ctrl+O: saved sessions, searchable by any text in them; Enter opens one."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input

from mcp_tui.store.session_file import SessionRecord
from mcp_tui.text import safe_text
from mcp_tui.ui.widgets.token_gauge import short_count


def matches(record: SessionRecord, query: str) -> bool:
    query = query.lower().strip()
    return not query or any(query in (m.content or "").lower() for m in record.messages) or query in record.session_id


class SessionsScreen(ModalScreen[SessionRecord | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("down", "focus_table", "List", show=False)]

    def __init__(self, sessions: list[SessionRecord], current_id: str | None = None) -> None:
        super().__init__()
        self.sessions = sessions
        self.current_id = current_id
        self.shown: list[SessionRecord] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            yield Input(placeholder="search the text of every session…", id="session-search")
            yield DataTable(id="session-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        panel = self.query_one("#sessions")
        panel.border_title = f"sessions ({len(self.sessions)})"
        panel.border_subtitle = "type to search · enter open · esc close"
        self.query_one(DataTable).add_columns("date", "title", "model", "tokens", "messages")
        self.fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    @on(Input.Submitted)
    def open_first(self) -> None:
        if self.shown:
            self.dismiss(self.shown[self.query_one(DataTable).cursor_row])

    def fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = [r for r in self.sessions if matches(r, query)]
        for record in self.shown:
            when = datetime.fromtimestamp(record.meta.get("at", 0)).strftime("%Y-%m-%d %H:%M")
            title = safe_text(record.title) + (" (this one)" if record.session_id == self.current_id else "")
            model = f"{record.meta.get('provider', '?')}/{record.meta.get('model', '?')}"
            tokens = short_count(record.usage.total_tokens) if record.usage else "0"
            table.add_row(when, Text(title[:60]), Text(safe_text(model)[:30]), tokens, str(len(record.messages)))

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.cursor_row])
