"""Tool results longer than the model's bound, kept whole beside their session.

The session file holds what the model got (at most max_result_chars and a note); the
whole text goes to `SESSION_ID.results/CALL.txt` (0600, secrets masked), so the tool
detail view still has all of it after a resume without making the session file huge.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def results_dir(session_path: Path) -> Path:
    return session_path.with_suffix(".results")


def result_path(session_path: Path, call_id: str) -> Path:
    # Call ids come from the model: any text. A digest keeps two ids from sharing a file.
    digest = hashlib.sha1(call_id.encode("utf-8", "replace")).hexdigest()[:10]
    return results_dir(session_path) / f"{_UNSAFE.sub('_', call_id)[:60]}-{digest}.txt"


def keep_full_result(session_path: Path, call_id: str, text: str) -> Path | None:
    """Write `text` (already masked) for this call; None when the disk refused (logged: the
    chat goes on, and the detail view then shows what the model got)."""
    path = result_path(session_path, call_id)
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        log.warning("could not keep the whole result of %s in %s: %s", call_id, path, exc)
        return None
    return path


def saved_full_result(session_paths: list[Path], call_id: str) -> Path | None:
    """The kept text of this call in the first of these sessions that has it (a fork's own
    calls are beside it, the earlier ones beside the session it was copied from)."""
    for session_path in session_paths:
        path = result_path(session_path, call_id)
        if path.is_file():
            return path
    return None
