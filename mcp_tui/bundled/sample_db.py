"""The sample bookshop database the demo queries, created in the data folder on first run."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

SCHEMA = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL, born INTEGER);
CREATE TABLE books (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, author_id INTEGER NOT NULL REFERENCES authors(id),
    year INTEGER NOT NULL, genre TEXT NOT NULL, price REAL NOT NULL
);
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, city TEXT);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    book_id INTEGER NOT NULL REFERENCES books(id), quantity INTEGER NOT NULL, ordered_at TEXT NOT NULL
);
"""

AUTHORS = [
    ("Ursula K. Le Guin", "USA", 1929), ("Chinua Achebe", "Nigeria", 1930), ("Italo Calvino", "Italy", 1923),
    ("Haruki Murakami", "Japan", 1949), ("Toni Morrison", "USA", 1931), ("Stanisław Lem", "Poland", 1921),
    ("Chimamanda Ngozi Adichie", "Nigeria", 1977), ("Jorge Luis Borges", "Argentina", 1899),
]
BOOKS = [  # title, author id, year, genre, price
    ("A Wizard of Earthsea", 1, 1968, "fantasy", 9.99), ("The Left Hand of Darkness", 1, 1969, "science fiction", 11.50),
    ("The Dispossessed", 1, 1974, "science fiction", 12.00), ("Things Fall Apart", 2, 1958, "literary fiction", 10.25),
    ("Invisible Cities", 3, 1972, "literary fiction", 13.40), ("If on a winter's night a traveler", 3, 1979, "literary fiction", 14.10),
    ("Kafka on the Shore", 4, 2002, "literary fiction", 15.75), ("Norwegian Wood", 4, 1987, "literary fiction", 12.60),
    ("Beloved", 5, 1987, "literary fiction", 13.95), ("Solaris", 6, 1961, "science fiction", 10.80),
    ("The Cyberiad", 6, 1965, "science fiction", 11.20), ("Half of a Yellow Sun", 7, 2006, "historical fiction", 14.50),
    ("Americanah", 7, 2013, "literary fiction", 15.20), ("Ficciones", 8, 1944, "short stories", 11.95),
]
CUSTOMERS = [
    ("Ada Lovelace", "ada@example.com", "London"), ("Alan Turing", "alan@example.com", "Manchester"),
    ("Grace Hopper", "grace@example.com", "New York"), ("Katherine Johnson", None, "Hampton"),
    ("Edsger Dijkstra", "edsger@example.com", "Amsterdam"), ("Margaret Hamilton", "margaret@example.com", "Boston"),
    ("Tim Berners-Lee", "tim@example.com", "Geneva"), ("Radia Perlman", None, "Seattle"),
]
ORDERS = [  # customer id, book id, quantity, date
    (1, 5, 1, "2026-01-04"), (1, 10, 2, "2026-01-19"), (2, 10, 1, "2026-02-02"), (2, 11, 1, "2026-02-02"),
    (3, 1, 3, "2026-02-14"), (3, 2, 1, "2026-03-01"), (4, 4, 1, "2026-03-09"), (5, 14, 2, "2026-03-22"),
    (5, 6, 1, "2026-04-05"), (6, 3, 1, "2026-04-18"), (6, 13, 1, "2026-05-07"), (7, 7, 2, "2026-05-30"),
    (7, 9, 1, "2026-06-11"), (8, 12, 1, "2026-06-25"), (1, 8, 1, "2026-07-08"), (3, 14, 1, "2026-08-16"),
    (4, 13, 2, "2026-09-02"), (6, 5, 1, "2026-09-27"), (2, 3, 1, "2026-10-12"), (8, 1, 1, "2026-11-03"),
]


SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def create_sample_db(path: Path) -> Path:
    """Create the database unless one is there; built beside it and renamed, so a crash
    never leaves half a database where the server looks. An empty file (what a bare
    sqlite3.connect leaves) is replaced; any other file is left alone, never clobbered."""
    path = Path(path)
    if path.is_file() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as db, db:
            db.executescript(SCHEMA)
            db.executemany("INSERT INTO authors (name, country, born) VALUES (?, ?, ?)", AUTHORS)
            db.executemany("INSERT INTO books (title, author_id, year, genre, price) VALUES (?, ?, ?, ?, ?)", BOOKS)
            db.executemany("INSERT INTO customers (name, email, city) VALUES (?, ?, ?)", CUSTOMERS)
            db.executemany("INSERT INTO orders (customer_id, book_id, quantity, ordered_at) VALUES (?, ?, ?, ?)", ORDERS)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
