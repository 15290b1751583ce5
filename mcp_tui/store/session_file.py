"""Crash-safe session files: one JSON record per completed step, appended and fsync'd.

A record is written before the next step begins, so killing the process loses at most
the answer still streaming. Files are 0600 and pass through the secret mask first.
A damaged line (a crash mid-write) is skipped with a warning when reading.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from mcp_tui import paths
from mcp_tui.logsetup import mask_secrets
from mcp_tui.models.messages import Message
from mcp_tui.models.usage import TokenUsageStats

log = logging.getLogger(__name__)


def sessions_dir() -> Path:
    return paths.data_dir() / "sessions"


def new_session_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


class SessionWriter:
    """Appends records to one session file; every write is flushed and fsync'd."""

    def __init__(self, session_id: str | None = None, folder: Path | None = None) -> None:
        self.session_id = session_id or new_session_id()
        folder = paths.ensure(folder or sessions_dir())
        self.path = folder / f"{self.session_id}.jsonl"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with looser bits
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def write(self, record_type: str, **data: Any) -> None:
        record = {"type": record_type, "at": time.time(), **data}
        line = mask_secrets(json.dumps(record, ensure_ascii=False, default=str))
        self._file.write(line + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def message(self, message: Message) -> None:
        self.write("message", message=message.model_dump(mode="json", exclude_defaults=True))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


class SessionRecord(BaseModel):
    """What a session file holds, read back."""

    session_id: str
    path: Path
    meta: dict[str, Any] = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)
    usage: TokenUsageStats | None = None
    segments: list[dict[str, Any]] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def title(self) -> str:
        for message in self.messages:
            if message.role.value == "user" and message.content:
                return message.content.strip().splitlines()[0][:80]
        return "(empty)"


def read_session(path: Path) -> SessionRecord:
    record = SessionRecord(session_id=path.stem, path=path)
    with path.open("r", encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            kind = data.get("type")
            if kind == "meta":
                record.meta.update(data)
            elif kind == "message":
                record.messages.append(Message.model_validate(data["message"]))
            elif kind == "usage":
                record.usage = TokenUsageStats.model_validate(data["usage"])
            elif kind == "segment":
                record.segments.append(data)
        except (ValueError, KeyError, TypeError) as exc:
            where = "last line" if number >= len([x for x in lines if x.strip()]) else f"line {number}"
            warning = f"{path.name}: skipped a damaged {where} ({type(exc).__name__})"
            log.warning(warning)
            record.warnings.append(warning)
    return record


def list_sessions(folder: Path | None = None) -> list[SessionRecord]:
    """Every readable session, newest first."""
    folder = folder or sessions_dir()
    if not folder.is_dir():
        return []
    records = [read_session(path) for path in folder.glob("*.jsonl")]
    return sorted(records, key=lambda r: r.meta.get("at", 0.0), reverse=True)


def find_session(session_id: str | None, folder: Path | None = None) -> SessionRecord | None:
    """The session with this id (or unique id prefix); the latest when id is None."""
    sessions = list_sessions(folder)
    if session_id is None:
        return sessions[0] if sessions else None
    matches = [r for r in sessions if r.session_id == session_id] or [r for r in sessions if r.session_id.startswith(session_id)]
    return matches[0] if len(matches) == 1 else None
