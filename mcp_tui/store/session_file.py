"""Crash-safe session files: one JSON record per completed step, appended and fsync'd.

A record is written before the next step begins, so killing the process loses at most
the answer still streaming. Files are 0600 and pass through the secret mask first.
A damaged line (a crash mid-write) is skipped with a warning when reading.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
import time
import uuid
from datetime import datetime
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mcp_tui import paths
from mcp_tui.logsetup import mask_secrets
from mcp_tui.models.messages import Message
from mcp_tui.models.usage import TokenUsageStats

log = logging.getLogger(__name__)


def sessions_dir() -> Path:
    return paths.data_dir() / "sessions"


def new_session_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


class SessionBusy(Exception):
    """Another process has this session open: it holds the file's lock."""


def message_record(message: Message) -> tuple[str, dict[str, Any]]:
    return "message", {"message": message.model_dump(mode="json", exclude_defaults=True)}


class SessionWriter:
    """Appends records to one session file; every write is flushed and fsync'd.

    The file is locked (flock) while it is open, so a second instance cannot interleave its
    writes: it gets SessionBusy. A failed write (read-only folder, full disk) never stops
    the chat: the record waits in memory and goes out, in order, with the next write that
    succeeds. `problem` says what is wrong meanwhile; `on_change` hears it appear and clear.
    """

    def __init__(self, session_id: str | None = None, folder: Path | None = None) -> None:
        self.session_id = session_id or new_session_id()
        self.folder = folder or sessions_dir()
        self.path = self.folder / f"{self.session_id}.jsonl"
        self.problem: str | None = None
        self.on_change: list[Callable[[str | None], None]] = []
        self._pending: list[bytes] = []
        self._fd: int | None = None
        self._lock_fd: int | None = None  # apart from _fd, which is reopened after a failure
        self._closed = False
        self._lock()  # SessionBusy when another instance has it; nothing is open then
        try:
            self._open()
        except OSError as exc:
            self._failed(exc)

    def write(self, record_type: str, **data: Any) -> None:
        self.write_records([(record_type, data)])

    def message(self, message: Message) -> None:
        self.write_records([message_record(message)])

    def write_records(self, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Several records with one fsync (a forked session's copy)."""
        for record_type, data in records:
            record = {"type": record_type, "at": time.time(), **data}
            self._pending.append((mask_secrets(json.dumps(record, ensure_ascii=False, default=str)) + "\n").encode())
        self._flush()

    def close(self) -> None:
        if self._pending and not self._closed:
            self._flush()  # a last chance for what waited
        if self._pending:
            log.warning("%s: %d records could not be saved (%s)", self.path, len(self._pending), self.problem)
        self._closed = True
        for fd in (self._fd, self._lock_fd):
            if fd is not None:
                os.close(fd)
        self._fd = self._lock_fd = None

    def _open(self) -> None:
        try:
            paths.ensure(self.folder)
        except FileExistsError:
            pass  # a file where the folder should be: the open below says what is wrong
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode):  # never chmod a device the path may lead to
                os.fchmod(fd, 0o600)  # also when the file existed with looser bits
                if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
                    self._pending.insert(0, b"\n")  # end a line a crash cut short: the next record stays whole
        except OSError:
            os.close(fd)
            raise
        self._fd = fd
        if self._lock_fd is None:  # the file is new: the id is ours, nobody else can hold it
            with contextlib.suppress(SessionBusy):
                self._lock()

    def _lock(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return  # no file, none can be made yet: nobody else is writing it
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SessionBusy(f"{self.path} is open in another mcp-tui") from None
        except OSError:  # a filesystem without locks: go on unlocked
            os.close(fd)
            return
        self._lock_fd = fd

    def _flush(self) -> None:
        if self._closed:
            log.warning("%s: a record came after the session was closed", self.path)
            self._pending.clear()
            return
        start = None
        try:
            if self._fd is None:
                self._open()
            start = os.fstat(self._fd).st_size
            data = memoryview(b"".join(self._pending))
            while data:
                data = data[os.write(self._fd, data):]
            os.fsync(self._fd)
        except OSError as exc:
            self._drop_partial(start)
            self._failed(exc)
            return
        self._pending.clear()
        self._set_problem(None)

    def _drop_partial(self, start: int | None) -> None:
        """Cut what a failed write left half done (its records are still pending) and let go
        of the file: the next attempt opens it again (the space may be back, the path fixed)."""
        if self._fd is None:
            return
        if start is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, start)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    def _failed(self, exc: OSError) -> None:
        if self.problem is None:
            log.warning("not saving %s: %s", self.path, exc)
        self._set_problem(exc.strerror or str(exc))

    def _set_problem(self, problem: str | None) -> None:
        if problem == self.problem:
            return
        if problem is None:
            log.info("saving %s again", self.path)
        self.problem = problem
        for callback in list(self.on_change):
            callback(problem)


def timestamp(value: Any) -> float | None:
    """`value` as a time a date can be made of, or None: a damaged file may hold any JSON."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        datetime.fromtimestamp(value)
    except (OverflowError, OSError, ValueError):
        return None
    return float(value)


class SegmentMark(BaseModel):
    """A closed segment as the file holds it (checked: exports and resume compute with it)."""

    model_config = ConfigDict(extra="allow")
    segment: int = 2
    summary: str = ""
    start: int = Field(0, ge=0)
    tokens: int = Field(0, ge=0)
    cost: float | None = Field(0.0, ge=0, allow_inf_nan=False)  # None: no known price


class SessionHeader(BaseModel):
    """What both a listing and a full read know of a session."""

    session_id: str
    path: Path
    meta: dict[str, Any] = Field(default_factory=dict)
    usage: TokenUsageStats | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def started(self) -> float:
        """When it began: the meta record's time, else the file's."""
        at = timestamp(self.meta.get("at"))
        if at is None:
            try:
                at = self.path.stat().st_mtime
            except OSError:
                at = 0.0
        return at

    @property
    def model_label(self) -> str:
        return f"{self.meta.get('provider', '?')}/{self.meta.get('model', '?')}"


class SessionRecord(SessionHeader):
    """What a session file holds, read back."""

    messages: list[Message] = Field(default_factory=list)
    segments: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def title(self) -> str:
        return title_of(self.messages)


def title_of(messages: list[Message]) -> str:
    for message in messages:
        if message.role.value == "user" and message.content and message.content.strip():
            return message.content.strip().splitlines()[0][:80]
    return "(empty)"


def parse_record(line: str | bytes) -> dict[str, Any]:
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a record")
    return data


def message_from(data: dict[str, Any], fallback_at: float) -> Message:
    message = Message.model_validate(data["message"])
    if timestamp(message.at) is None:  # the segment browser makes clock times of it
        message.at = fallback_at
    return message


def _add(record: SessionRecord, data: dict[str, Any], fallback_at: float) -> None:
    kind = data.get("type")
    if kind == "meta":
        record.meta.update(data)
    elif kind == "message":
        record.messages.append(message_from(data, fallback_at))
    elif kind == "usage":
        record.usage = TokenUsageStats.model_validate(data["usage"])
    elif kind == "segment":
        record.segments.append(SegmentMark.model_validate(data).model_dump())
    elif kind == "rewind":  # /clear, retry, edit: the messages after the first `keep` are gone
        keep = data["keep"]
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 0:
            raise ValueError("not a message count")
        del record.messages[keep:]
        record.segments[:] = [s for s in record.segments if s["start"] <= keep]


def skip_damaged(record: SessionHeader, where: str, exc: Exception) -> None:
    warning = f"{record.path.name}: skipped a damaged {where} ({type(exc).__name__})"
    log.warning(warning)
    record.warnings.append(warning)


def read_session(path: Path) -> SessionRecord:
    """The whole session, line by line; damaged lines are skipped and named in `warnings`.
    Raises OSError when the file cannot be read at all."""
    record = SessionRecord(session_id=path.stem, path=path)
    fallback_at = record.started
    errors: list[tuple[int, Exception]] = []
    last = 0
    with path.open("r", encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            last = number
            try:
                _add(record, parse_record(line), fallback_at)
            except (ValueError, KeyError, TypeError) as exc:
                errors.append((number, exc))
    for number, exc in errors:
        skip_damaged(record, "last line" if number == last else f"line {number}", exc)
    return record


def __getattr__(name: str):
    # Listing and finding live in session_listing (which imports this module); older
    # imports of them from here keep working.
    if name in ("find_session", "list_sessions", "scan_sessions"):
        from mcp_tui.store import session_listing

        return getattr(session_listing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
