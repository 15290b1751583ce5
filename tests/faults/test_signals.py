"""A closed terminal (SIGHUP) or a kill (SIGTERM) ends the app and every server it started:
no MCP server is left running as an orphan, in the TUI (on a real pty) or headless."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.engine_helpers import UNRULY
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, tool_calls


def servers_of(pid: int) -> list[psutil.Process]:
    """The app's server processes and what they started (the `sleep` one leaves behind)."""
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if UNRULY in " ".join(p.cmdline()) or p.name() == "sleep"]
    except psutil.Error:
        return []


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + GENEROUS
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def start(tmp_path, base_url, *flags, tty: bool):
    config = tmp_path / "c.json"
    # v leaves a grandchild that no closed pipe ends: only stopping its process group does
    leaves_one = {"command": "sh", "args": ["-c", f"sleep 600 & exec {sys.executable} {UNRULY}"]}
    config.write_text(json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY]}, "v": leaves_one}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", base_url, "--api-key", "k", "--config", str(config), *flags]
    if not tty:
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), None
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, env=env, stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    return process, controller


def drain(fd: int | None) -> None:
    """Read what the app drew so far (a pty whose buffer fills would block its writes)."""
    import select

    while fd is not None and select.select([fd], [], [], 0)[0]:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
@pytest.mark.parametrize("face", ["tui", "headless"])
def test_a_signal_stops_the_app_and_its_servers(tmp_path, openai_server, sig, face):
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h")))  # headless: busy in a call when hit
    flags = ["--approve", "auto", "--prompt", "hang"] if face == "headless" else []
    process, controller = start(tmp_path, openai_server.base_url, *flags, tty=face == "tui")
    try:
        def both_running() -> bool:
            drain(controller)
            return len(servers_of(process.pid)) == 3 and (face == "tui" or len(openai_server.requests) == 1)

        wait_for(both_running, "the two servers (and v's sleep) never started")
        children = servers_of(process.pid)
        time.sleep(0.2) if face == "headless" else None  # let the call reach the server (no margin: it hangs for ever)
        process.send_signal(sig)
        deadline = time.monotonic() + GENEROUS
        while process.poll() is None and time.monotonic() < deadline:
            drain(controller)
            time.sleep(0.05)
        assert process.poll() is not None, "the app did not end"
        wait_for(lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children), "a server outlived the app")
    finally:
        if process.poll() is None:
            process.kill()
        if controller is not None:
            os.close(controller)
