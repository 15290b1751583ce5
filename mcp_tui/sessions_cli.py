"""`--list-sessions` and `--export`: saved sessions from the command line."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from mcp_tui.models.messages import ConversationHistory
from mcp_tui.store.export import to_json, to_markdown
from mcp_tui.store.private_file import write_private
from mcp_tui.store.session_file import sessions_dir
from mcp_tui.store.session_listing import find_session, renamed, scan_sessions
from mcp_tui.text import safe_text


def report_damage(lines: list[str]) -> None:
    """What was skipped as damaged, on stderr: the listing or the session goes on."""
    for line in lines:
        print(f"mcp-tui: {safe_text(line)}", file=sys.stderr)


def print_sessions() -> int:
    sessions, problems = scan_sessions()
    report_damage(problems + [w for record in sessions for w in record.warnings])
    if not sessions:
        print(f"No saved sessions yet (they are kept in {sessions_dir()}).")
        return 0
    print(f"{'id':<23} {'date':<16} {'model':<28} {'tokens':>8}  title")
    for record in sessions:
        started = datetime.fromtimestamp(record.started).strftime("%Y-%m-%d %H:%M")
        tokens = record.usage.totals_text(record.usage.total_tokens) if record.usage else "0"  # "~": estimated
        print(f"{safe_text(record.session_id):<23} {started:<16} {safe_text(record.model_label)[:28]:<28} {tokens:>8}  {safe_text(record.title)}")
    return 0


def export_session(session_id: str, fmt: str, output: Path | None) -> int:
    record = find_session(session_id)
    if record is None:
        print(f"error: no saved session matches {session_id!r}; mcp-tui --list-sessions shows them", file=sys.stderr)
        return 2
    report_damage(record.warnings)
    history = ConversationHistory(messages=record.messages)
    title = renamed(record.meta)
    meta = {"session_id": record.session_id, "title": title, "model": record.model_label, "segments": record.segments, "usage": record.usage.model_dump() if record.usage else None}
    heading = f"{title} (mcp-tui session {record.session_id})" if title else f"mcp-tui session {record.session_id}"
    text = to_markdown(history, heading, segments=record.segments, usage=record.usage) if fmt == "md" else to_json(history, meta)
    if output is None:
        sys.stdout.write(text)
    else:
        write_private(output, text)
        print(f"wrote {output}", file=sys.stderr)
    return 0
