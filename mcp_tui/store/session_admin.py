"""Renaming and deleting saved sessions (the sessions dialog's F2 and Delete).

A title is a `meta` record appended to the file (the file stays append-only; the last
title wins). It carries the session's start time as its own, because `meta` records are
merged and the start time is read from them. A session open in another mcp-tui is left
alone: its lock says so (SessionBusy).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mcp_tui.store.full_results import results_dir
from mcp_tui.store.session_file import SessionWriter

TITLE_CHARS = 80


def clean_title(text: str) -> str:
    """One line of at most TITLE_CHARS; empty gives the session back its first question."""
    lines = text.strip().splitlines()
    return lines[0].strip()[:TITLE_CHARS] if lines else ""


def rename_session(path: Path, title: str, started: float, writer: SessionWriter | None = None) -> str:
    """Give the session at `path` this title; `writer` is the one this app writes it with, if
    it is the open session (a second lock on it would fail). Returns the title stored.
    Raises SessionBusy, or OSError when the file is gone or cannot be written."""
    title = clean_title(title)
    if writer is not None:
        writer.write("meta", title=title, at=started)  # a failure waits and is retried, as for messages
        return title
    _with_lock(path, lambda w: w.write("meta", title=title, at=started))
    return title


def delete_session(path: Path) -> None:
    """Remove the session file and the whole results kept beside it.
    Raises SessionBusy, or OSError when it cannot be removed."""
    _with_lock(path, lambda w: path.unlink())  # unlinked while locked: nobody opens it meanwhile
    shutil.rmtree(results_dir(path), ignore_errors=True)


def _with_lock(path: Path, do) -> None:
    if not path.is_file():
        raise FileNotFoundError(2, "the session file is gone", str(path))
    writer = SessionWriter(path.stem, path.parent)  # takes the lock, or raises SessionBusy
    try:
        do(writer)
        if writer.problem:
            raise OSError(writer.problem)
    finally:
        writer.close()
