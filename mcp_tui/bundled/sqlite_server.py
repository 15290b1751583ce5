"""A small SQLite MCP server on the official `mcp` SDK: `python -m mcp_tui.bundled.sqlite_server --db PATH`.

Ours rather than PyPI's mcp-server-sqlite, which pins mcp<2 and cannot share the app's
environment. Reads go through a read-only connection, so `read_query` cannot write
whatever the SQL says; writes have their own tool, which the app asks about first.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from mcp_tui.bundled.sample_db import create_sample_db

MAX_ROWS = 200
MAX_CELL = 80  # characters per cell in the text table

server = MCPServer("sqlite", instructions="A SQLite database. Use list_tables and describe_table before querying.")
DB: Path = Path("sample.db")
READ_ONLY = ToolAnnotations(read_only_hint=True)


def _read() -> sqlite3.Connection:
    return sqlite3.connect(f"{DB.resolve().as_uri()}?mode=ro", uri=True)


def _execute(db: sqlite3.Connection, query: str) -> sqlite3.Cursor:
    try:
        return db.execute(query)
    except sqlite3.Error as exc:  # the model (and the user) need sqlite's own words
        raise ToolError(f"SQLite error: {exc}") from exc


def _table(cursor: sqlite3.Cursor) -> str:
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchmany(MAX_ROWS + 1)
    more = len(rows) > MAX_ROWS
    cells = [[_cell(v) for v in row] for row in rows[:MAX_ROWS]]
    widths = [max([len(n), *(len(r[i]) for r in cells)]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    count = f"{len(cells)} row{'s' if len(cells) != 1 else ''}"
    lines.append(f"({count}; more were left out — add LIMIT/OFFSET)" if more else f"({count})")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


@server.tool(annotations=READ_ONLY)
def list_tables() -> str:
    """List the tables in the database, one per line."""
    with _read() as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return "\n".join(names) or "(no tables)"


@server.tool(annotations=READ_ONLY)
def describe_table(table: str) -> str:
    """Show a table's columns (name, type, not null, primary key) and foreign keys."""
    with _read() as db:
        columns = db.execute("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", (table,)).fetchall()
        if not columns:
            raise ToolError(f"no such table: {table}")
        keys = db.execute("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?)", (table,)).fetchall()
    lines = [f"{name} {kind or 'ANY'}" + (" NOT NULL" if notnull else "") + (" PRIMARY KEY" if pk else "") for name, kind, notnull, pk in columns]
    lines += [f"{src} → {dest}.{to}" for src, dest, to in keys]
    return "\n".join(lines)


@server.tool(annotations=READ_ONLY)
def read_query(query: str) -> str:
    """Run a read-only SQL query (SELECT, WITH …) and return at most 200 rows as a table."""
    with _read() as db:
        return _table(_execute(db, query))


@server.tool()
def write_query(query: str) -> str:
    """Run one INSERT, UPDATE or DELETE statement and say how many rows changed."""
    with sqlite3.connect(DB) as db:
        cursor = _execute(db, query)
        if cursor.description:
            raise ToolError("write_query is for INSERT, UPDATE or DELETE; use read_query to read")
        return f"{cursor.rowcount} row{'s' if cursor.rowcount != 1 else ''} changed"


def main() -> None:
    global DB
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="database file (the sample is created if it is missing)")
    DB = create_sample_db(parser.parse_args().db)
    server.run("stdio")


if __name__ == "__main__":
    main()
