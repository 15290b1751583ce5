"""The servers used when there is no config file: time and the sample SQLite database."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp_tui.bundled.sample_db import create_sample_db
from mcp_tui.config.models import ServerConfig

SAMPLE_DB = "sample.db"


def default_servers(data_dir: Path) -> list[ServerConfig]:
    """Both run with this interpreter (`-m`), so no scripts folder needs to be on PATH."""
    database = create_sample_db(Path(data_dir) / SAMPLE_DB)  # made now: the server starts faster
    return [
        ServerConfig(name="time", command=sys.executable, args=["-m", "mcp_server_time", *_zone_args()]),
        ServerConfig(name="sqlite", command=sys.executable, args=["-m", "mcp_tui.bundled.sqlite_server", "--db", str(database)]),
    ]


def _zone_args() -> list[str]:
    """mcp-server-time guesses the local zone itself and fails on some containers; tell it
    when we know it (TZ or /etc/localtime's link target)."""
    zone = _local_zone()
    return ["--local-timezone", zone] if zone else []


def _local_zone() -> str | None:
    import os

    zone = os.environ.get("TZ", "").lstrip(":")
    if "/" in zone or zone == "UTC":
        return zone
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return None
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else None
