"""The servers a first run gets without a config: mcp-server-time and our SQLite server."""

from __future__ import annotations

import sqlite3

import pytest

from mcp_tui.bundled.defaults import default_servers
from mcp_tui.bundled.sample_db import create_sample_db
from mcp_tui.servers import ServerManager

TABLES = ["authors", "books", "customers", "orders"]


@pytest.fixture
async def bundled(tmp_path):
    manager = ServerManager(default_servers(tmp_path), log_dir=tmp_path / "logs")
    await manager.start()
    await manager.wait_settled(20)
    yield manager, tmp_path / "sample.db"
    await manager.aclose()


async def test_both_start_with_their_tools_marked(bundled):
    manager, _ = bundled
    assert {s.name: (s.state.value, s.tool_count) for s in manager.statuses()} == {"time": ("ready", 2), "sqlite": ("ready", 4)}
    read_only = {t.qualified_name: t.read_only for t in manager.tools() if t.qualified_name.startswith("sqlite__")}
    assert read_only == {"sqlite__list_tables": True, "sqlite__describe_table": True, "sqlite__read_query": True, "sqlite__write_query": None}


async def test_tables_rows_and_schema(bundled):
    manager, _ = bundled
    assert (await manager.call("sqlite__list_tables", {})).text.splitlines() == TABLES
    rows = (await manager.call("sqlite__read_query", {"query": "SELECT title, price FROM books ORDER BY price DESC LIMIT 2"})).text
    assert rows.splitlines()[0].split(" | ")[0].strip() == "title"
    assert "Kafka on the Shore" in rows and rows.rstrip().endswith("(2 rows)")
    schema = (await manager.call("sqlite__describe_table", {"table": "orders"})).text
    assert "customer_id INTEGER NOT NULL" in schema and "book_id → books.id" in schema


@pytest.mark.parametrize("query", ["DELETE FROM books", "INSERT INTO authors (name, country) VALUES ('x', 'y')", "DROP TABLE orders"])
async def test_read_query_cannot_write_whatever_the_sql_says(bundled, query):
    manager, database = bundled
    result = await manager.call("sqlite__read_query", {"query": query})
    assert result.is_error and "readonly database" in result.text
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM books").fetchone()[0] == 14
        assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders'").fetchone()[0] == 1


async def test_write_query_writes_and_bad_sql_is_an_error_result(bundled):
    manager, database = bundled
    assert (await manager.call("sqlite__write_query", {"query": "UPDATE books SET price = price + 1 WHERE author_id = 1"})).text == "3 rows changed"
    bad = await manager.call("sqlite__read_query", {"query": "SELEC title FROM books"})
    assert bad.is_error and 'near "SELEC": syntax error' in bad.text
    missing = await manager.call("sqlite__describe_table", {"table": "nope"})
    assert missing.is_error and "no such table: nope" in missing.text
    # still usable after the errors, and the write is seen by the reader
    after = await manager.call("sqlite__read_query", {"query": "SELECT price FROM books WHERE id = 1"})
    assert after.text.splitlines()[2].strip() == "10.99"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT price FROM books WHERE id = 3").fetchone()[0] == 13.0


async def test_big_results_are_bounded(bundled):
    manager, _ = bundled
    text = (await manager.call("sqlite__read_query", {"query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i FROM n"})).text
    lines = text.splitlines()
    assert len(lines) == 2 + 200 + 1 and "more were left out" in lines[-1]


def test_the_sample_database_is_made_once_and_whole(tmp_path):
    path = create_sample_db(tmp_path / "d" / "sample.db")
    with sqlite3.connect(path) as db:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
        db.execute("DELETE FROM orders WHERE id = 1")
    assert counts == {"authors": 8, "books": 14, "customers": 8, "orders": 20}
    create_sample_db(path)  # exists: left alone, the user's change stays
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 19
    assert [p.name for p in path.parent.iterdir()] == ["sample.db"]  # no partial file left behind
