"""The tool timeline: one row per tool call from the moment the model asks for it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from mcp_tui.engine.tool_outcome import outcome_of
from mcp_tui.engine.tool_runner import short_arguments
from mcp_tui.servers.naming import SEPARATOR
from mcp_tui.servers.results import links_in
from mcp_tui.store.full_results import saved_full_result
from mcp_tui.text import safe_text
from mcp_tui.words import clip_end

clock = time.monotonic  # one place to read elapsed time from (snapshot tests pin it)
ROWS = 200  # the newest calls; older rows go, so a long session's timeline costs what a short one's does
ARGUMENTS_KEPT = 400  # of a row's one-line arguments: more than the widest pane shows
# Columns of a fixed width: "? waiting for approval" and "1234.56 s" whole.
TIME_WIDTH, STATE_WIDTH, DURATION_WIDTH = 8, 22, 9
MIN_TOOL, MIN_ARGUMENTS = 10, 6

STATE_STYLE = {
    "waiting for approval": "bold yellow",
    "running": "bold cyan",
    "done": "green",
    "error result": "red",
    "failed": "bold red",
    "timeout": "bold red",
    "denied": "magenta",
    "refused": "magenta",
    "cancelled": "dim",
    "requested": "dim",
    "saved": "dim",
}


@dataclass
class ToolRecord:
    call_id: str
    server: str
    tool: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    requested_at: float = field(default_factory=time.time)
    state: str = "requested"
    started: float | None = None  # monotonic
    duration: float | None = None
    progress: str = ""
    result: str = ""
    full_result_file: Path | None = None  # a saved call's whole result, read when its detail opens
    links: list = field(default_factory=list)  # ResourceLinkRef: resources the result points to

    @property
    def label(self) -> str:
        return f"{self.server}.{self.tool}"

    def elapsed(self) -> float:
        if self.duration is not None:
            return self.duration
        return clock() - self.started if self.started else 0.0


def saved_calls(messages, session_paths: list[Path]) -> list[ToolRecord]:
    """Rows for the calls of a saved conversation (resume, /load): each with the result the
    model got, and the whole one when the session kept it beside its file."""
    results = {m.tool_call_id: m for m in messages if m.role.value == "tool"}
    records = []
    for message in messages:
        for call in message.tool_calls:
            server, _, tool = call.name.partition(SEPARATOR)
            try:
                arguments = call.parsed_arguments()
            except ValueError:
                arguments = None
            answer = results.get(call.id)
            state = outcome_of(answer)  # as its chip says it: a refused call is not drawn as done
            record = ToolRecord(call.id, server if tool else "?", tool or call.name, arguments, call.arguments, requested_at=message.at, state="error result" if state == "error" else state)
            record.result = answer.content or "" if answer is not None else ""
            record.full_result_file = saved_full_result(session_paths, call.id)
            record.links = links_in(record.result)  # openable again (o in its detail)
            records.append(record)
    return records


def record_arguments(record: ToolRecord) -> str:
    """The call's arguments on one line, as far as any pane could show them."""
    if record.arguments is not None:
        return safe_text(short_arguments(record.arguments, ARGUMENTS_KEPT))
    return safe_text(" ".join(record.raw_arguments[:ARGUMENTS_KEPT].split()))


def tool_label(server: str, tool: str, width: int) -> str:
    """`server.tool` in `width` characters: the tool's name stays whole, the server's name
    is shortened with "…" first (a long server name must not hide which tool ran)."""
    server, tool = safe_text(server), safe_text(tool)
    whole = f"{server}.{tool}"
    if len(whole) <= width:
        return whole
    room = width - len(tool) - 2  # the server's part, then "…" and "."
    if room >= 1:
        return f"{server[:room]}….{tool}"
    return clip_end(tool, width)


class ToolTimeline(DataTable):
    BINDINGS = [("enter", "open_row", "Details")]

    class Open(Message):
        def __init__(self, record: ToolRecord) -> None:
            super().__init__()
            self.record = record

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.records: dict[str, ToolRecord] = {}
        self._widths = {"time": TIME_WIDTH, "tool": MIN_TOOL, "args": MIN_ARGUMENTS, "state": STATE_WIDTH, "duration": DURATION_WIDTH}
        self._ticker = None

    def on_mount(self) -> None:
        for key, label in (("time", "time"), ("tool", "tool"), ("state", "state"), ("duration", "duration"), ("args", "arguments")):
            self.add_column(label, key=key, width=self._widths[key])
        self.border_title = "tool timeline"
        self._relayout()

    def on_resize(self) -> None:
        self._relayout()

    def _fit(self) -> dict[str, int]:
        """Column widths that fill the pane exactly (no horizontal scrolling): the state as
        wide as its longest text, the tool as wide as its longest name (at least the tool's
        own name whole), the arguments take the rest."""
        room = self.scrollable_content_region.width - 2 * self.cell_padding * len(self.columns)
        rest = room - TIME_WIDTH - DURATION_WIDTH
        records = self.records.values()
        state = min(max((len(self._state_text(r, STATE_WIDTH)) for r in records), default=0), STATE_WIDTH)
        state = max(min(max(state, len("state")), rest - MIN_TOOL - MIN_ARGUMENTS), 1)  # a very narrow pane cuts it
        rest -= state
        longest = max((len(r.label) for r in records), default=MIN_TOOL)
        names = max((min(len(r.label), len(r.tool) + 2) for r in records), default=MIN_TOOL)  # "….tool"
        tool = max(min(longest, rest // 2), min(names, rest - MIN_ARGUMENTS), min(MIN_TOOL, rest), 1)
        return {"time": TIME_WIDTH, "tool": tool, "args": max(rest - tool, 1), "state": state, "duration": DURATION_WIDTH}

    def _relayout(self) -> None:
        if not self.columns or self.scrollable_content_region.width <= 0:
            return
        widths = self._fit()
        if widths == self._widths:
            return
        self._widths = widths
        for key, width in widths.items():
            column = self.columns[ColumnKey(key)]
            column.width, column.auto_width = width, False
        for record in self.records.values():
            self._draw_row(record)
        # DataTable has no public way to resize a column: it measures again on its next
        # idle when told its dimensions changed (Textual 8.2.8).
        self._require_update_dimensions = True
        self._clear_caches()

    def _cells(self, record: ToolRecord) -> dict[str, Text]:
        widths = self._widths
        return {
            "tool": Text(tool_label(record.server, record.tool, widths["tool"])),
            "args": Text(clip_end(record_arguments(record), widths["args"])),
            "state": self._state_text(record, widths["state"]),
        }

    def _draw_row(self, record: ToolRecord) -> None:
        for key, cell in self._cells(record).items():
            self.update_cell(record.call_id, key, cell)

    def add_saved(self, records: list[ToolRecord]) -> None:
        for record in records:
            if record.call_id not in self.records:  # an old session may reuse an id; a row key must be unique
                self.add_call(record, relayout=False)
        self._relayout()  # once, not per row: a long session brings thousands

    def add_call(self, record: ToolRecord, *, relayout: bool = True) -> None:
        self.records[record.call_id] = record
        cells = self._cells(record)
        self.add_row(
            datetime.fromtimestamp(record.requested_at).strftime("%H:%M:%S"),
            cells["tool"],
            cells["state"],
            "",
            cells["args"],
            key=record.call_id,
        )
        self._drop_oldest()
        if relayout:  # a longer name or state: the columns may share the width otherwise
            self._relayout()
        self.move_cursor(row=self.row_count - 1)

    def _drop_oldest(self) -> None:
        """Past ROWS, the oldest finished rows go (a running or waiting one stays)."""
        for call_id in [k for k, r in self.records.items() if r.state not in ("running", "waiting for approval", "requested")]:
            if len(self.records) <= ROWS:
                break
            self.remove_row(call_id)
            del self.records[call_id]

    def clear_calls(self) -> None:
        self.clear()
        self.records.clear()
        self._tick_while_running()
        self._relayout()

    def update_call(self, call_id: str, **changes: Any) -> ToolRecord | None:
        record = self.records.get(call_id)
        if record is None:
            return None
        for key, value in changes.items():
            setattr(record, key, value)
        if record.state == "running" and record.started is None:
            record.started = clock()
        self.update_cell(call_id, "state", self._state_text(record, self._widths["state"]))
        self.update_cell(call_id, "duration", self._duration_text(record))
        self._relayout()
        self._tick_while_running()
        return record

    def _tick_while_running(self) -> None:
        running = any(r.state == "running" for r in self.records.values())
        if running and self._ticker is None:
            self._ticker = self.set_interval(0.2, self._tick)
        elif not running and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        for record in self.records.values():
            if record.state == "running":
                self.update_cell(record.call_id, "duration", self._duration_text(record))

    @staticmethod
    def _duration_text(record: ToolRecord) -> str:
        if record.started is None and record.duration is None:
            return ""
        return f"{record.elapsed():.2f} s"

    @staticmethod
    def _state_text(record: ToolRecord, width: int = STATE_WIDTH) -> Text:
        icon = {"running": "⟳ ", "done": "✓ ", "failed": "✗ ", "timeout": "⏱ ", "error result": "✗ ", "denied": "⊘ ", "refused": "⊘ ", "cancelled": "⊘ ", "waiting for approval": "? "}
        text = Text(icon.get(record.state, "") + record.state, style=STATE_STYLE.get(record.state, ""))
        if record.state == "running" and record.progress:
            text.append(f" {safe_text(record.progress)}", style="cyan")
        text.truncate(width, overflow="ellipsis")
        return text

    def action_open_row(self) -> None:
        if self.row_count == 0:
            return
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        record = self.records.get(row_key.value)
        if record is not None:
            self.post_message(self.Open(record))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_row()
