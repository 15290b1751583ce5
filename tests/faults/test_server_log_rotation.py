"""A server that floods stderr while it runs: its log is rotated as it grows, so the log
folder stays bounded, and the server's stderr is still read and logged afterwards."""

from __future__ import annotations

import sys

import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import ServerManager, ServerState, connection
from tests.engine_helpers import UNRULY
from tests.support.limits import GENEROUS

LIMIT = 200_000


def folder_bytes(folder) -> int:
    return sum(p.stat().st_size for p in folder.iterdir())


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(connection, "MAX_LOG_BYTES", LIMIT)


async def test_a_stderr_flood_is_rotated_while_the_server_runs(tmp_path, small_limit):
    flood = ServerConfig(name="loud", command=sys.executable, args=[UNRULY, "--stderr-megabytes", "10"])
    manager = ServerManager([flood], log_dir=tmp_path, startup_timeout=GENEROUS, call_timeout=GENEROUS)
    servers = tmp_path / "servers"
    try:
        await manager.start()
        await manager.wait_settled(GENEROUS)
        assert manager.statuses()[0].state is ServerState.READY
        assert folder_bytes(servers) <= 3 * LIMIT  # 10 MB went through the log already
        assert (await manager.call("loud__shout", {"megabytes": 5})).text == "shouted"
        assert folder_bytes(servers) <= 3 * LIMIT
        assert (await manager.call("loud__echo", {"text": "still here"})).text == "still here"
    finally:
        await manager.aclose()
    assert folder_bytes(servers) <= 3 * LIMIT
    files = sorted(p.name for p in servers.iterdir())
    assert files == ["loud.log", "loud.log.1"]
    assert "megabyte flood" in (servers / "loud.log").read_text()  # the pipe still logged the last of it
