"""Where mcp-tui keeps its files (platformdirs), overridable for tests via MCP_TUI_HOME."""

from __future__ import annotations

import os
from pathlib import Path

APP = "mcp-tui"


def _home() -> Path | None:
    home = os.environ.get("MCP_TUI_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP))


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP))


def log_dir() -> Path:
    home = _home()
    if home:
        return home / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP))


def ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
