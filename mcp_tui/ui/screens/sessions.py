"""Ctrl+O: saved sessions, searchable by any text in them; Enter opens one, F2 renames it,
Delete deletes it (after a y/n)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from mcp_tui.store.session_admin import delete_session, rename_session
from mcp_tui.store.session_file import SessionBusy, SessionWriter
from mcp_tui.store.session_listing import SessionInfo, mentions, read_info
from mcp_tui.text import safe_text

PROBLEMS_SHOWN = 3
KEYS = "type to search · enter open · F2 rename · del delete · esc close"


def size_text(size: int) -> str:
    return f"({size / 1_000_000:,.0f} MB)" if size >= 1_000_000 else f"({size / 1000:,.0f} kB)"


def when(info: SessionInfo) -> str:
    return datetime.fromtimestamp(info.started).strftime("%Y-%m-%d %H:%M")


class SearchInput(Input):
    """The search box. Delete (Ctrl+D) edits the text while there is something right of the
    cursor; with nothing to delete it falls through to the dialog, which deletes the
    highlighted session (after asking)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_right" and self.selection.is_empty and self.cursor_position >= len(self.value):
            return False
        return super().check_action(action, parameters)


class RenameInput(Input):
    """The new title, typed in place under the list; Esc leaves the old one."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    class Cancelled(Message):
        pass

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class DeleteQuestion(Static, can_focus=True):
    """“Delete …? y/n”, answered with one key."""

    BINDINGS = [Binding("y", "answer(True)", "Delete"), Binding("n,escape", "answer(False)", "Keep")]

    class Answered(Message):
        def __init__(self, yes: bool) -> None:
            super().__init__()
            self.yes = yes

    def action_answer(self, yes: bool) -> None:
        self.post_message(self.Answered(yes))


class SessionsScreen(ModalScreen[SessionInfo | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "focus_table", "List", show=False),
        Binding("f2,ctrl+r", "rename", "Rename"),
        Binding("delete,ctrl+d", "delete", "Delete"),
    ]

    def __init__(
        self,
        sessions: list[SessionInfo],
        current_id: str | None = None,
        problems: list[str] | None = None,
        current_writer: SessionWriter | None = None,
    ) -> None:
        """`current_writer` writes the open session (`current_id`): renaming it goes through it."""
        super().__init__()
        self.sessions = sessions
        self.current_id = current_id
        self.current_writer = current_writer
        self.problems = problems or []
        self.shown: list[SessionInfo] = []
        self.editing: SessionInfo | None = None  # being renamed
        self.deleting: SessionInfo | None = None  # asked about
        self._keep: str | None = None  # the session the cursor stays on when the list is filled again

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            yield SearchInput(placeholder="search the text of every session…", id="session-search")
            if self.problems:
                more = len(self.problems) - PROBLEMS_SHOWN
                lines = self.problems[:PROBLEMS_SHOWN] + ([f"… and {more} more (see the log)"] if more > 0 else [])
                yield Static(Text(safe_text("\n".join(lines)), style="yellow"), id="session-problems")
            yield DataTable(id="session-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="session-empty")
            yield RenameInput(id="session-rename")
            yield DeleteQuestion(id="session-delete")

    def on_mount(self) -> None:
        panel = self.query_one("#sessions")
        panel.border_subtitle = KEYS
        self.query_one(DataTable).add_columns("date", "title", "model", "tokens", "messages")
        self.fill(self.sessions)
        self.query_one(SearchInput).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a title is typed or a deletion asked, the list keys wait."""
        if action in ("rename", "delete", "focus_table") and (self.editing or self.deleting):
            return False
        return True

    @on(Input.Changed, "#session-search")
    def search(self, event: Input.Changed) -> None:
        self.find(event.value)

    @work(thread=True, exclusive=True, group="session-search")
    def find(self, query: str) -> None:
        """Off the event loop: searching reads the files (a big one takes a while)."""
        worker = get_current_worker()
        found = [r for r in self.sessions if not worker.is_cancelled and mentions(r, query, lambda: worker.is_cancelled)]
        if not worker.is_cancelled:
            self.app.call_from_thread(self.fill, found, query)

    @on(Input.Submitted, "#session-search")
    def open_first(self) -> None:
        if self.shown:
            self.dismiss(self.shown[self.query_one(DataTable).cursor_row])

    def fill(self, found: list[SessionInfo], query: str = "") -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = found
        self.query_one("#sessions").border_title = f"sessions ({len(self.sessions)})"
        for record in self.shown:
            title = safe_text(record.title) + (" (this one)" if record.session_id == self.current_id else "")
            tokens = record.usage.totals_text(record.usage.total_tokens) if record.usage else "0"
            count = str(record.message_count) if record.message_count is not None else size_text(record.size)
            table.add_row(when(record), Text(title[:60]), Text(safe_text(record.model_label)[:30]), tokens, count)
        empty = self.query_one("#session-empty", Static)
        empty.display = not found
        if not found:  # an empty table alone looks broken
            empty.update(Text(safe_text(f"No session mentions “{query.strip()}”." if query.strip() else "No saved sessions yet."), style="dim"))
        kept = [i for i, r in enumerate(found) if r.session_id == self._keep]
        if kept:
            table.move_cursor(row=kept[0])

    def highlighted(self) -> SessionInfo | None:
        return self.shown[self.query_one(DataTable).cursor_row] if self.shown else None

    def refill(self, keep: str | None = None) -> None:
        self._keep = keep
        self.find(self.query_one(SearchInput).value)

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.cursor_row])

    # -- renaming ------------------------------------------------------------------
    def action_rename(self) -> None:
        info = self.highlighted()
        if info is None:
            self.notify("No session to rename.", severity="warning", markup=False)
            return
        self.editing = info
        box = self.query_one(RenameInput)
        box.value = info.renamed or ("" if info.title == "(empty)" else info.title)
        box.border_title = f"title for {when(info)} · enter save · esc keep"
        box.display = True
        box.focus()

    @on(Input.Submitted, "#session-rename")
    async def save_title(self, event: Input.Submitted) -> None:
        event.stop()
        info, self.editing = self.editing, None
        self._close_rename()
        if info is None:
            return
        try:
            if info.session_id == self.current_id and self.current_writer is not None:
                rename_session(info.path, event.value, info.started, self.current_writer)  # the engine's writer, on its loop
            else:
                await asyncio.to_thread(rename_session, info.path, event.value, info.started)
            fresh = await asyncio.to_thread(read_info, info.path)
        except SessionBusy:
            self.notify("That session is open in another mcp-tui: rename it there.", severity="warning", markup=False)
            return
        except OSError as exc:
            self.notify(f"Could not rename it: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.sessions = [fresh if s.session_id == info.session_id else s for s in self.sessions]
        self.notify(f"Renamed to “{safe_text(fresh.title)}”.", markup=False)
        self.refill(keep=info.session_id)

    @on(RenameInput.Cancelled)
    def cancel_rename(self) -> None:
        self.editing = None
        self._close_rename()

    def _close_rename(self) -> None:
        self.query_one(RenameInput).display = False
        self.query_one(DataTable).focus()

    # -- deleting ------------------------------------------------------------------
    def action_delete(self) -> None:
        info = self.highlighted()
        if info is None:
            self.notify("No session to delete.", severity="warning", markup=False)
            return
        if info.session_id == self.current_id:
            self.notify("This session is open, so it cannot be deleted: open another one first.", severity="warning", markup=False)
            return
        self.deleting = info
        question = self.query_one(DeleteQuestion)
        question.update(Text(f"Delete “{safe_text(info.title)[:60]}” of {when(info)}, with its kept tool results?  y delete · n keep"))
        question.display = True
        question.focus()

    @on(DeleteQuestion.Answered)
    async def answered(self, event: DeleteQuestion.Answered) -> None:
        info, self.deleting = self.deleting, None
        self.query_one(DeleteQuestion).display = False
        self.query_one(DataTable).focus()
        if info is None or not event.yes:
            return
        try:
            await asyncio.to_thread(delete_session, info.path)
        except SessionBusy:
            self.notify("That session is open in another mcp-tui: it was not deleted.", severity="warning", markup=False)
            return
        except OSError as exc:
            self.notify(f"Could not delete it: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.sessions = [s for s in self.sessions if s.session_id != info.session_id]
        self.notify(f"Deleted “{safe_text(info.title)}”.", markup=False)
        self.refill()
