"""`--list-sessions` and `--export`: saved sessions from the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from mcp_tui.models.messages import ConversationHistory
from mcp_tui.store.export import to_json, to_markdown
from mcp_tui.store.session_file import find_session, list_sessions, sessions_dir
from mcp_tui.text import safe_text


def print_sessions() -> int:
    sessions = list_sessions()
    if not sessions:
        print(f"No saved sessions yet (they are kept in {sessions_dir()}).")
        return 0
    print(f"{'id':<23} {'date':<16} {'model':<28} {'tokens':>8}  title")
    for record in sessions:
        started = datetime.fromtimestamp(record.meta.get("at", record.path.stat().st_mtime)).strftime("%Y-%m-%d %H:%M")
        model = f"{record.meta.get('provider', '?')}/{record.meta.get('model', '?')}"
        tokens = record.usage.total_tokens if record.usage else 0
        print(f"{record.session_id:<23} {started:<16} {model[:28]:<28} {tokens:>8}  {safe_text(record.title)}")
    return 0


def export_session(session_id: str, fmt: str, output: Path | None) -> int:
    record = find_session(session_id)
    if record is None:
        print(f"error: no saved session matches {session_id!r}; mcp-tui --list-sessions shows them", file=sys.stderr)
        return 2
    history = ConversationHistory(messages=record.messages)
    meta = {"session_id": record.session_id, "model": f"{record.meta.get('provider')}/{record.meta.get('model')}", "segments": record.segments, "usage": record.usage.model_dump() if record.usage else None}
    text = to_markdown(history, f"mcp-tui session {record.session_id}", segments=record.segments) if fmt == "md" else to_json(history, meta)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    return 0
