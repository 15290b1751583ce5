"""Files the app writes that may hold what the user or a server said are 0600 from the start,
whatever the umask (issue 15 item 20: sessions were 0600, other files 0644)."""

from __future__ import annotations

import os
import stat

import pytest

from mcp_tui.config import trust
from mcp_tui.servers.server_log import ServerLog


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_trusted_configs_file_is_private(tmp_path, monkeypatch, loose_umask):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    config = tmp_path / "mcp.json"
    config.write_text("{}")
    trust.remember(trust.request_for(config, []))
    written = list((tmp_path / "data").glob("*.json"))
    assert written and all(mode(p) == 0o600 for p in written)
    assert trust.is_trusted(trust.request_for(config, []))


def test_server_stderr_logs_are_private_also_after_rotation(tmp_path, loose_umask):
    server_log = ServerLog(tmp_path / "srv.log")
    server_log.open("header\n", max_bytes=10)
    server_log._append(b"x" * 64)  # past max_bytes: the log rotates and opens a new file
    server_log._append(b"after the rotation\n")
    server_log.close()
    logs = sorted(tmp_path.iterdir())
    assert len(logs) == 2 and all(mode(p) == 0o600 for p in logs), [(p.name, oct(mode(p))) for p in logs]


def test_the_log_and_its_rotations_are_private(tmp_path, loose_umask):
    import logging

    from mcp_tui.logsetup import PrivateRotatingFileHandler

    handler = PrivateRotatingFileHandler(tmp_path / "app.log", maxBytes=200, backupCount=2, encoding="utf-8")
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "x" * 150, None, None)
    for _ in range(4):  # past maxBytes: rotated files are made too
        handler.emit(record)
    handler.close()
    logs = sorted(tmp_path.iterdir())
    assert len(logs) >= 2 and all(mode(p) == 0o600 for p in logs), [(p.name, oct(mode(p))) for p in logs]
