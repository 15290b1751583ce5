"""The npm MCP server the tests talk to, installed once into .cache/ beside the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.install_lock import CACHE, install_lock

EVERYTHING = "@modelcontextprotocol/server-everything"
EVERYTHING_VERSION = "2026.8.31"
REPO = CACHE.parent
PREFIX = CACHE / "npm"


def everything_entry() -> Path:
    """Path of server-everything's dist/index.js, installing it with npm if it is missing."""
    override = os.environ.get("MCP_TUI_EVERYTHING")
    if override:
        return Path(override)
    entry = PREFIX / "node_modules" / EVERYTHING / "dist" / "index.js"
    with install_lock("npm"):
        if not entry.exists():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to install the test peer server-everything")
            PREFIX.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--silent", f"{EVERYTHING}@{EVERYTHING_VERSION}"],
                check=True,
                timeout=600,
            )
    return entry
