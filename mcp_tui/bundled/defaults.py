"""The servers used when there is no config file: time and the sample SQLite database."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

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
    """mcp-server-time guesses the local zone itself and fails on some containers, and
    exits on a name it does not know: tell it a zone we checked, UTC when unsure."""
    return ["--local-timezone", _local_zone() or "UTC"]


def _local_zone() -> str | None:
    zone = os.environ.get("TZ", "").lstrip(":")
    if zone and not zone.startswith("/"):  # typed by someone: only an exact IANA key will do (the server checks the same)
        return zone if zone in available_timezones() else None
    path = zone or "/etc/localtime"  # a path on disk, so its case is right
    try:
        target = os.readlink(path) if os.path.islink(path) else path
    except OSError:
        return None
    found = re.search(r"zoneinfo[^/]*/(.+)$", target)  # …/zoneinfo/Europe/Paris, macOS's zoneinfo.default/
    zone = found[1].removeprefix("posix/").removeprefix("right/") if found else ""  # tzdata's variants
    try:
        ZoneInfo(zone)
    except Exception:  # ValueError, ZoneInfoNotFoundError, OSError: all mean "no"
        return None
    return zone
