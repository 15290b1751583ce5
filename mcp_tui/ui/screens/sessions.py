"""Ctrl+O: saved sessions, searchable by any text in them; Enter opens one."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from mcp_tui.store.session_listing import SessionInfo, mentions
from mcp_tui.text import safe_text

PROBLEMS_SHOWN = 3


def size_text(size: int) -> str:
    return f"({size / 1_000_000:,.0f} MB)" if size >= 1_000_000 else f"({size / 1000:,.0f} kB)"


class SessionsScreen(ModalScreen[SessionInfo | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Close"), Binding("down", "focus_table", "List", show=False)]

    def __init__(self, sessions: list[SessionInfo], current_id: str | None = None, problems: list[str] | None = None) -> None:
        super().__init__()
        self.sessions = sessions
        self.current_id = current_id
        self.problems = problems or []
        self.shown: list[SessionInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            yield Input(placeholder="search the text of every session…", id="session-search")
            if self.problems:
                more = len(self.problems) - PROBLEMS_SHOWN
                lines = self.problems[:PROBLEMS_SHOWN] + ([f"… and {more} more (see the log)"] if more > 0 else [])
                yield Static(Text(safe_text("\n".join(lines)), style="yellow"), id="session-problems")
            yield DataTable(id="session-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        panel = self.query_one("#sessions")
        panel.border_title = f"sessions ({len(self.sessions)})"
        panel.border_subtitle = "type to search · enter open · esc close"
        self.query_one(DataTable).add_columns("date", "title", "model", "tokens", "messages")
        self.fill(self.sessions)
        self.query_one(Input).focus()

    @on(Input.Changed)
    def search(self, event: Input.Changed) -> None:
        self.find(event.value)

    @work(thread=True, exclusive=True, group="session-search")
    def find(self, query: str) -> None:
        """Off the event loop: searching reads the files (a big one takes a while)."""
        worker = get_current_worker()
        found = [r for r in self.sessions if not worker.is_cancelled and mentions(r, query, lambda: worker.is_cancelled)]
        if not worker.is_cancelled:
            self.app.call_from_thread(self.fill, found)

    @on(Input.Submitted)
    def open_first(self) -> None:
        if self.shown:
            self.dismiss(self.shown[self.query_one(DataTable).cursor_row])

    def fill(self, found: list[SessionInfo]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = found
        for record in self.shown:
            when = datetime.fromtimestamp(record.started).strftime("%Y-%m-%d %H:%M")
            title = safe_text(record.title) + (" (this one)" if record.session_id == self.current_id else "")
            tokens = record.usage.totals_text(record.usage.total_tokens) if record.usage else "0"
            count = str(record.message_count) if record.message_count is not None else size_text(record.size)
            table.add_row(when, Text(title[:60]), Text(safe_text(record.model_label)[:30]), tokens, count)

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.cursor_row])
