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

from mcp_tui.engine.tool_runner import short_arguments
from mcp_tui.servers.naming import SEPARATOR
from mcp_tui.store.full_results import saved_full_result
from mcp_tui.text import safe_text

clock = time.monotonic  # one place to read elapsed time from (snapshot tests pin it)
ROWS = 200  # the newest calls; older rows go, so a long session's timeline costs what a short one's does

STATE_STYLE = {
    "waiting for approval": "bold yellow",
    "running": "bold cyan",
    "done": "green",
    "error result": "red",
    "failed": "bold red",
    "timeout": "bold red",
    "denied": "magenta",
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
    results = {m.tool_call_id: m.content or "" for m in messages if m.role.value == "tool"}
    records = []
    for message in messages:
        for call in message.tool_calls:
            server, _, tool = call.name.partition(SEPARATOR)
            try:
                arguments = call.parsed_arguments()
            except ValueError:
                arguments = None
            record = ToolRecord(call.id, server if tool else "?", tool or call.name, arguments, call.arguments, requested_at=message.at, state="saved")
            record.result = results.get(call.id, "")
            record.full_result_file = saved_full_result(session_paths, call.id)
            records.append(record)
    return records


class ToolTimeline(DataTable):
    BINDINGS = [("enter", "open_row", "Details")]

    class Open(Message):
        def __init__(self, record: ToolRecord) -> None:
            super().__init__()
            self.record = record

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.records: dict[str, ToolRecord] = {}
        self._ticker = None

    def on_mount(self) -> None:
        self.add_column("time", key="time", width=8)
        self.add_column("tool", key="tool", width=22)
        self.add_column("arguments", key="args", width=18)
        self.add_column("state", key="state", width=16)
        self.add_column("duration", key="duration", width=8)
        self.border_title = "tool timeline"

    def add_saved(self, records: list[ToolRecord]) -> None:
        for record in records:
            if record.call_id not in self.records:  # an old session may reuse an id; a row key must be unique
                self.add_call(record)

    def add_call(self, record: ToolRecord) -> None:
        self.records[record.call_id] = record
        args = short_arguments(record.arguments, 18) if record.arguments is not None else record.raw_arguments[:17]
        self.add_row(
            datetime.fromtimestamp(record.requested_at).strftime("%H:%M:%S"),
            Text(safe_text(record.label)),
            Text(safe_text(args)),
            self._state_text(record),
            "",
            key=record.call_id,
        )
        self._drop_oldest()
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

    def update_call(self, call_id: str, **changes: Any) -> ToolRecord | None:
        record = self.records.get(call_id)
        if record is None:
            return None
        for key, value in changes.items():
            setattr(record, key, value)
        if record.state == "running" and record.started is None:
            record.started = clock()
        self.update_cell(call_id, "state", self._state_text(record))
        self.update_cell(call_id, "duration", self._duration_text(record))
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
    def _state_text(record: ToolRecord) -> Text:
        icon = {"running": "⟳ ", "done": "✓ ", "failed": "✗ ", "timeout": "⏱ ", "error result": "✗ ", "denied": "⊘ ", "cancelled": "⊘ ", "waiting for approval": "? "}
        text = Text(icon.get(record.state, "") + record.state, style=STATE_STYLE.get(record.state, ""))
        if record.state == "running" and record.progress:
            text.append(f" {safe_text(record.progress)}", style="cyan")
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
