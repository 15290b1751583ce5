"""The servers a first run gets without a config: mcp-server-time and our SQLite server.

One manager for the module (servers start once, in parallel): the bundled pair on the
sample database, a `scratch` SQLite server for writes and a short query limit, and a
`broken` one pointed at a text file."""

from __future__ import annotations

import hashlib
import sqlite3
import sys

import pytest
import pytest_asyncio

from mcp_tui.bundled import sample_db
from mcp_tui.bundled.defaults import default_servers
from mcp_tui.bundled.sample_db import create_sample_db
from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import ServerManager
from tests.support.limits import GENEROUS

MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")  # the tests share the module fixture's loop
TABLES = ["authors", "books", "customers", "orders"]
COUNTS = {"authors": 8, "books": 14, "customers": 8, "orders": 20}


def sqlite_server(name: str, db, *extra: str) -> ServerConfig:
    return ServerConfig(name=name, command=sys.executable, args=["-m", "mcp_tui.bundled.sqlite_server", "--db", str(db), *extra])


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundled")
    data = root / "data dir #1"  # a space and a '#': the read-only file: URI must quote them
    notes = root / "notes.txt"
    notes.write_text("not a database\n")
    configs = [*default_servers(data), sqlite_server("scratch", root / "scratch.db", "--max-seconds", "0.3"), sqlite_server("broken", notes)]
    manager = ServerManager(configs, log_dir=root / "logs")
    await manager.start()
    await manager.wait_settled(GENEROUS)
    yield manager, configs, data / "sample.db", root / "scratch.db", notes
    await manager.aclose()


def fingerprint(path) -> tuple[str, list[str]]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(p.name for p in path.parent.iterdir())


@MODULE_LOOP
async def test_both_start_with_their_tools_marked(env):
    manager, configs, database, _, _ = env
    states = {s.name: (s.state.value, s.tool_count) for s in manager.statuses() if s.name != "broken"}
    assert states == {"time": ("ready", 2), "sqlite": ("ready", 4), "scratch": ("ready", 4)}
    marks = {t.name: (t.read_only, t.destructive) for t in manager.tools() if t.server == "sqlite"}
    assert marks == {"list_tables": (True, None), "describe_table": (True, None), "read_query": (True, None), "write_query": (False, True)}
    assert "query" in manager.resolve("sqlite__read_query").input_schema["properties"]
    time_args = configs[0].args
    assert time_args[:2] == ["-m", "mcp_server_time"] and time_args[2:] == ["--local-timezone", "UTC"]  # conftest sets TZ=UTC
    now = await manager.call("time__get_current_time", {"timezone": "Asia/Tokyo"})
    assert not now.is_error and "Asia/Tokyo" in now.text
    assert database.is_file() and configs[1].args[-1] == str(database)


@MODULE_LOOP
async def test_tables_rows_and_schema(env):
    manager = env[0]
    assert (await manager.call("sqlite__list_tables", {})).text.splitlines() == TABLES
    rows = (await manager.call("sqlite__read_query", {"query": "SELECT title, price FROM books ORDER BY price DESC LIMIT 2"})).text.splitlines()
    assert [c.strip() for c in rows[0].split("|")] == ["title", "price"]
    assert rows[2].startswith("Kafka on the Shore") and rows[2].endswith("| 15.75") and rows[-1] == "(2 rows)"
    schema = (await manager.call("sqlite__describe_table", {"table": "orders"})).text
    assert "customer_id INTEGER NOT NULL" in schema and "  book_id → books.id" in schema.split("foreign keys:")[1]


@MODULE_LOOP
@pytest.mark.parametrize(
    "query,error",
    [
        ("DELETE FROM books", "readonly database"),
        ("INSERT INTO authors (name, country) VALUES ('x', 'y')", "readonly database"),
        ("DROP TABLE orders", "readonly database"),
        ("CREATE TEMP TABLE t (a)", "readonly database"),
        ("PRAGMA query_only = OFF", "not authorized"),  # would lift the guard
        ("ATTACH DATABASE '{dir}/elsewhere.db' AS x", "too many attached databases"),  # would create a file
        ("VACUUM INTO '{dir}/copy.db'", "too many attached databases"),
    ],
)
async def test_read_query_cannot_write_whatever_the_sql_says(env, query, error):
    manager, _, database, _, _ = env
    before = fingerprint(database)
    result = await manager.call("sqlite__read_query", {"query": query.format(dir=database.parent)})
    assert result.is_error and error in result.text
    assert fingerprint(database) == before  # same bytes, no new files beside it
    with sqlite3.connect(database) as db:
        assert {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES} == COUNTS


@MODULE_LOOP
async def test_writes_errors_and_the_server_stays_usable(env):
    manager, _, _, scratch, _ = env
    changed = await manager.call("scratch__write_query", {"query": "UPDATE books SET price = price + 1 WHERE author_id = 1"})
    assert changed.text == "3 rows changed" and not changed.is_error
    returning = await manager.call("scratch__write_query", {"query": "INSERT INTO authors (name, country) VALUES ('Octavia E. Butler', 'USA') RETURNING id"})
    assert returning.text.splitlines()[2].strip() == "9" and returning.text.endswith("1 row changed")
    orphan = await manager.call("scratch__write_query", {"query": "INSERT INTO books (title, author_id, year, genre, price) VALUES ('x', 99, 2000, 'y', 1)"})
    assert orphan.is_error and "FOREIGN KEY constraint failed" in orphan.text
    bad = await manager.call("scratch__read_query", {"query": "SELEC title FROM books"})
    assert bad.is_error and 'near "SELEC": syntax error' in bad.text
    missing = await manager.call("scratch__describe_table", {"table": "nope"})
    assert missing.is_error and "no such table: nope" in missing.text
    two = await manager.call("scratch__write_query", {"query": "DELETE FROM orders; DELETE FROM books"})
    assert two.is_error and "one statement" in two.text
    # still usable after the errors, and the reader sees the write
    after = await manager.call("scratch__read_query", {"query": "SELECT price FROM books WHERE id = 1"})
    assert after.text.splitlines()[2].strip() == "10.99"
    with sqlite3.connect(scratch) as db:
        assert db.execute("SELECT price FROM books WHERE id = 3").fetchone()[0] == 13.0
        assert db.execute("SELECT COUNT(*) FROM books").fetchone()[0] == 14 and db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 20


@MODULE_LOOP
async def test_big_results_are_bounded_and_long_queries_stopped(env):
    manager = env[0]
    text = (await manager.call("sqlite__read_query", {"query": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i FROM n"})).text
    lines = text.splitlines()
    assert len(lines) == 2 + 200 + 1 and lines[-2].strip() == "200" and lines[-1].startswith("(200 of 5000 rows shown")
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n"
    stopped = await manager.call("scratch__read_query", {"query": endless}, timeout=GENEROUS)
    assert stopped.is_error and "stopped after 0.3 s" in stopped.text
    assert (await manager.call("scratch__list_tables", {})).text.splitlines() == TABLES


@MODULE_LOOP
async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(env):
    manager, *_, notes = env
    broken = next(s for s in manager.statuses() if s.name == "broken")
    assert broken.state.value == "failed" and "is not a SQLite database" in broken.reason
    assert notes.read_text() == "not a database\n"


def test_the_sample_database_is_made_once_and_whole(tmp_path, monkeypatch):
    path = create_sample_db(tmp_path / "d" / "sample.db")
    with sqlite3.connect(path) as db:
        assert {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES} == COUNTS
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("DELETE FROM orders WHERE id = 1")
    create_sample_db(path)  # exists: left alone, the user's change stays
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 19
    assert [p.name for p in path.parent.iterdir()] == ["sample.db"]  # no partial file left behind

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # what a bare connect to a missing path leaves: 0 bytes
    assert empty.stat().st_size == 0 and sample_db.is_sqlite(create_sample_db(empty))

    # a failure half way through leaves neither a database nor a partial file
    monkeypatch.setattr(sample_db, "ORDERS", [*sample_db.ORDERS, (1, 999, 1, "2026-12-01", "extra")])
    with pytest.raises(sqlite3.Error):
        create_sample_db(tmp_path / "crash" / "sample.db")
    assert list((tmp_path / "crash").iterdir()) == []


def test_reads_are_read_only_at_the_file_level(tmp_path, monkeypatch):
    """mode=ro on its own, the other guards lifted: the file itself cannot be written."""
    from mcp_tui.bundled import sqlite_server

    monkeypatch.setattr(sqlite_server, "DB", create_sample_db(tmp_path / "s.db"))
    db = sqlite_server._connect(read_only=True)
    db.set_authorizer(None)
    db.execute("PRAGMA query_only = OFF")
    with pytest.raises(sqlite3.OperationalError, match="readonly database"):
        db.execute("DELETE FROM books")
    db.close()
