"""A small SQLite MCP server on the official `mcp` SDK: `python -m mcp_tui.bundled.sqlite_server --db PATH`.

Ours rather than PyPI's mcp-server-sqlite, which pins mcp<2 and cannot share the app's
environment. Reads go through a read-only connection, so `read_query` cannot write
whatever the SQL says; writes have their own tool, which the app asks about first.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from mcp_tui.bundled.sample_db import create_sample_db, is_sqlite

MAX_ROWS = 200
MAX_CELL = 80  # characters per cell in the text table
COUNT_CAP = 10_000  # rows counted past MAX_ROWS to say how many were left out
QUERY_SECONDS = 20.0  # a runaway query is stopped, not left to block the server

# WARNING: a failed query is an ordinary tool result, not worth a line in the server's log.
server = MCPServer("sqlite", instructions="A SQLite database. Use list_tables and describe_table before querying.", log_level="WARNING")
DB: Path = Path("sample.db")
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=False)
Query = Annotated[str, Field(description="one SQLite statement")]


def _connect(*, read_only: bool) -> sqlite3.Connection:
    if read_only:  # mode=ro guards the file itself, not merely the SQL text
        db = sqlite3.connect(f"{DB.resolve().as_uri()}?mode=ro", uri=True)
        db.execute("PRAGMA query_only = ON")  # temp tables too
        db.set_authorizer(_no_pragma_writes)
    else:
        db = sqlite3.connect(DB)
        db.execute("PRAGMA foreign_keys = ON")  # so the sample's foreign keys mean something
    # ATTACH (and VACUUM INTO, which attaches) would create and write other files, even read-only.
    db.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    end = time.monotonic() + QUERY_SECONDS
    db.set_progress_handler(lambda: time.monotonic() > end, 10_000)
    return db


def _no_pragma_writes(action: int, arg1, arg2, _db, _trigger) -> int:
    # `PRAGMA query_only = OFF` would otherwise undo the guard from inside a read_query.
    if action == sqlite3.SQLITE_PRAGMA and arg1 and arg1.lower() == "query_only" and arg2 is not None:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@contextmanager
def _session(*, read_only: bool) -> Iterator[sqlite3.Connection]:
    """A fresh connection per call (closed after), sqlite errors turned into tool errors."""
    try:
        with closing(_connect(read_only=read_only)) as db, db:  # inner `db`: commit or roll back
            yield db
    except sqlite3.Error as exc:  # the model (and the user) need sqlite's own words
        if str(exc) == "interrupted":
            raise ToolError(f"the query was stopped after {QUERY_SECONDS:g} s; narrow it or add LIMIT") from exc
        raise ToolError(f"SQLite error: {exc}") from exc


def _table(cursor: sqlite3.Cursor) -> str:
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchmany(MAX_ROWS)
    rest = len(cursor.fetchmany(COUNT_CAP + 1)) if len(rows) == MAX_ROWS else 0
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] is None for r in rows) and bool(rows) for i in range(len(names))]

    def line(values: list[str]) -> str:
        return " | ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    lines = [line(names), "-+-".join("-" * w for w in widths)] + [line(row) for row in cells]
    shown = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
    if rest:
        total = f"more than {len(rows) + COUNT_CAP}" if rest > COUNT_CAP else str(len(rows) + rest)
        lines.append(f"({len(rows)} of {total} rows shown; use LIMIT/OFFSET for the rest)")
    else:
        lines.append(f"({shown})")
    if any(c.endswith("…") for row in cells for c in row):
        lines.append(f"(values longer than {MAX_CELL} characters were cut; use substr() to read them)")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, bytes):
        return f"<blob, {len(value)} bytes>"
    text = "NULL" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@server.tool(annotations=READ_ONLY, structured_output=False)
def list_tables() -> str:
    """List the tables (and views) in the database, one per line."""
    with _session(read_only=True) as db:
        found = db.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return "\n".join(name + (" (view)" if kind == "view" else "") for name, kind in found) or "(no tables)"


@server.tool(annotations=READ_ONLY, structured_output=False)
def describe_table(table: Annotated[str, Field(description="a table or view name, as list_tables gives it")]) -> str:
    """Show a table's columns (name, type, NOT NULL, PRIMARY KEY) and its foreign keys."""
    with _session(read_only=True) as db:
        columns = db.execute('SELECT name, type, "notnull", pk FROM pragma_table_info(?)', (table,)).fetchall()
        if not columns:
            raise ToolError(f"no such table: {table}")
        keys = db.execute('SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)', (table,)).fetchall()
    lines = [f"{name} {kind or 'ANY'}" + (" NOT NULL" if notnull else "") + (" PRIMARY KEY" if pk else "") for name, kind, notnull, pk in columns]
    if keys:
        lines += ["foreign keys:", *(f"  {src} → {dest}.{to}" for src, dest, to in keys)]
    return "\n".join(lines)


@server.tool(annotations=READ_ONLY, structured_output=False)
def read_query(query: Query) -> str:
    """Run a read-only SQL query (SELECT, WITH …, PRAGMA) and return at most 200 rows as a
    text table. The database is opened read-only: statements that write fail."""
    with _session(read_only=True) as db:
        return _table(db.execute(query))


@server.tool(annotations=WRITES, structured_output=False)
def write_query(query: Query) -> str:
    """Run one INSERT, UPDATE or DELETE statement (or CREATE/ALTER/DROP) and say how many rows changed.
    Foreign keys are enforced. Use read_query for reading."""
    with _session(read_only=False) as db:
        before = db.total_changes
        cursor = db.execute(query)
        if cursor.description is None and cursor.rowcount == -1:  # CREATE, DROP …: no row count
            return "done"
        rows = _table(cursor) + "\n" if cursor.description else ""  # INSERT … RETURNING
        return rows + _plural(db.total_changes - before, "row") + " changed"


def main() -> None:
    global DB, QUERY_SECONDS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="database file (the sample is created if it is missing)")
    parser.add_argument("--max-seconds", type=float, default=QUERY_SECONDS, help="stop a query running longer (default %(default)g)")
    args = parser.parse_args()
    QUERY_SECONDS = args.max_seconds
    DB = create_sample_db(args.db)
    if not is_sqlite(DB):  # one clear line, and the app shows the server as failed
        sys.exit(f"mcp_tui.bundled.sqlite_server: {DB} is not a SQLite database")
    server.run("stdio")


if __name__ == "__main__":
    main()
