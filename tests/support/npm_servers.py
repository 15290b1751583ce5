"""The npm MCP servers the tests talk to, installed once into .cache/ beside the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.install_lock import CACHE, install_lock

EVERYTHING = "@modelcontextprotocol/server-everything"
EVERYTHING_VERSION = "2026.8.31"
FILESYSTEM = "@modelcontextprotocol/server-filesystem"
FILESYSTEM_VERSION = "2026.8.31"
REPO = CACHE.parent
PREFIX = CACHE / "npm"


def everything_entry() -> Path:
    """Path of server-everything's dist/index.js, installing it with npm if it is missing."""
    override = os.environ.get("MCP_TUI_EVERYTHING")
    if override:
        return Path(override)
    return _installed(EVERYTHING, EVERYTHING_VERSION, PREFIX, "npm")


def filesystem_entry() -> Path:
    """Path of server-filesystem's dist/index.js (its own prefix: server-everything's stays as
    it is), installing it with npm if it is missing."""
    return _installed(FILESYSTEM, FILESYSTEM_VERSION, CACHE / "npm-filesystem", "npm-filesystem")


def _installed(package: str, version: str, prefix: Path, lock: str) -> Path:
    entry = prefix / "node_modules" / package / "dist" / "index.js"
    with install_lock(lock):
        if not entry.exists():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError(f"npm is needed to install the test peer {package}")
            prefix.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent", f"{package}@{version}"],
                check=True,
                timeout=600,
            )
    return entry
