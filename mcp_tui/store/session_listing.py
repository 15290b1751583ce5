"""Listing and finding saved sessions without reading every file whole.

A listing reads a small file whole, and only the head (meta record, first question) and
the tail (last usage) of a big one: one 478 MB file made every listing and every resume
take 12 s and 1 GB. Only the session chosen is read whole.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.session_file import SessionHeader, SessionRecord, message_from, parse_record, read_session, sessions_dir, skip_damaged, title_of

log = logging.getLogger(__name__)

FULL_READ_BYTES = 1 << 20  # a listing reads a file this small whole: exact counts, cheap
HEAD_LINES = 50  # the meta record and the first question are at the top of a file
LINE_LIMIT = 1 << 20  # a longer line in the head is not read just for a title
TAIL_BYTES, TAIL_MAX_BYTES = 64 << 10, 8 << 20  # where the last usage record is looked for


class SessionInfo(SessionHeader):
    """A session as a listing shows it, read from the top and the end of its file only."""

    title: str = "(empty)"
    message_count: int | None = None  # None: the file is too big to count them
    size: int = 0
    said: bool = True  # a message is in it (a file too big to read whole surely has one)

    @property
    def renamed(self) -> str | None:
        return renamed(self.meta)


def renamed(meta: dict) -> str | None:
    """The title the user gave a session (a `meta` record with `title`), if any."""
    title = meta.get("title")
    return title if isinstance(title, str) and title.strip() else None


def renamed_title(path: Path) -> str | None:
    """The title given to the session in this file, if any (None also when it cannot be read)."""
    try:
        return read_info(path).renamed
    except OSError:
        return None


def read_info(path: Path) -> SessionInfo:
    """What a listing needs. A big file is not read whole: its head gives the meta record
    and the title, its tail the last usage (one 478 MB file made every listing take 12 s)."""
    size = path.stat().st_size
    if size <= FULL_READ_BYTES:
        full = read_session(path)
        # Any message counts: a damaged file may have lost its user lines but still holds the rest.
        said = any(m.role.value != "system" for m in full.messages) or bool(full.warnings)
        info = SessionInfo(**full.model_dump(include={"session_id", "path", "meta", "usage", "warnings"}), title=full.title, message_count=len(full.messages), size=size, said=said)
    else:
        info = SessionInfo(session_id=path.stem, path=path, size=size)
        with path.open("rb") as f:
            _read_head(info, f)
            info.usage, title = _read_tail(f, size)
        if title is not None:  # renamed after the head was written
            info.meta["title"] = title
    info.title = info.renamed or info.title
    return info


def _read_head(info: SessionInfo, f) -> None:
    for number in range(1, HEAD_LINES + 1):
        line = f.readline(LINE_LIMIT)
        if not line or (len(line) == LINE_LIMIT and not line.endswith(b"\n")):
            return  # the end, or a line too long to read for a title
        if not line.strip():
            continue
        try:
            data = parse_record(line)
            if data.get("type") == "meta":
                info.meta.update(data)
            elif data.get("type") == "message" and info.title == "(empty)":
                info.title = title_of([message_from(data, 0.0)])
        except (ValueError, KeyError, TypeError) as exc:
            skip_damaged(info, f"line {number}", exc)


def _read_tail(f, size: int) -> tuple[TokenUsageStats | None, str | None]:
    """The last usage record and the last title given, looked for from the end."""
    window = TAIL_BYTES
    while True:
        start = max(0, size - window)
        f.seek(start)
        lines = f.read(size - start).split(b"\n")
        usage, title = None, None
        for line in reversed(lines[1:] if start else lines):  # the first may be cut
            if (usage is None and b'"usage"' in line) or (title is None and b'"title"' in line):
                try:
                    data = parse_record(line)
                    if data.get("type") == "usage" and usage is None:
                        usage = TokenUsageStats.model_validate(data["usage"])
                    elif data.get("type") == "meta" and title is None and isinstance(data.get("title"), str):
                        title = data["title"]
                except (ValueError, KeyError, TypeError):
                    continue
            if usage is not None and title is not None:
                break
        if usage is not None or start == 0 or window >= TAIL_MAX_BYTES:
            return usage, title
        window *= 4


def scan_sessions(folder: Path | None = None) -> tuple[list[SessionInfo], list[str]]:
    """Every session file's listing, newest first, and what could not be read at all."""
    folder = folder or sessions_dir()
    infos: list[SessionInfo] = []
    problems: list[str] = []
    if not folder.is_dir():
        return infos, problems
    for path in sorted(folder.glob("*.jsonl")):
        try:
            if not path.is_file():  # a folder or a pipe named like a session
                raise IsADirectoryError(0, "not a file")
            info = read_info(path)
            if info.said:  # one where nothing was said is no conversation to go back to
                infos.append(info)
        except OSError as exc:
            problem = f"{path.name}: skipped, it cannot be read as a session ({exc.strerror or type(exc).__name__})"
            log.warning(problem)
            problems.append(problem)
    return sorted(infos, key=lambda i: i.started, reverse=True), problems


def list_sessions(folder: Path | None = None) -> list[SessionInfo]:
    """Every readable session, newest first."""
    return scan_sessions(folder)[0]


def find_session(session_id: str | None, folder: Path | None = None) -> SessionRecord | None:
    """The session with this id (or unique id prefix); the latest when id is None.
    Only the chosen file is read whole."""
    folder = folder or sessions_dir()
    if session_id is None:
        candidates = [info.path for info in list_sessions(folder)]
    else:
        paths = sorted(p for p in folder.glob("*.jsonl") if p.is_file()) if folder.is_dir() else []
        candidates = [p for p in paths if p.stem == session_id] or [p for p in paths if p.stem.startswith(session_id)]
        if len(candidates) != 1:
            return None
    for path in candidates:
        try:
            return read_session(path)
        except OSError as exc:
            log.warning("%s: skipped, it cannot be read (%s)", path.name, exc)
    return None


def mentions(info: SessionInfo, query: str, stop: Callable[[], bool] = lambda: False) -> bool:
    """Whether any message of the session holds `query` (any case). The file is read line
    by line, and only lines whose raw text holds it are parsed: a big file is never held
    whole. `stop` ends a search nobody waits for."""
    query = query.lower().strip()
    if not query or query in info.session_id.lower() or query in info.title.lower():
        return True
    raw = json.dumps(query, ensure_ascii=False)[1:-1]  # as it is written inside a JSON string
    try:
        with info.path.open("r", encoding="utf-8", errors="replace") as f:
            for line in f:
                if stop():
                    return False
                if raw in line.lower() and _content_holds(line, query):
                    return True
    except OSError:
        return False
    return False


def _content_holds(line: str, query: str) -> bool:
    try:
        data = parse_record(line)
        return data.get("type") == "message" and query in str(data["message"].get("content") or "").lower()
    except (ValueError, KeyError, TypeError, AttributeError):
        return False
