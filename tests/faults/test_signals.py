"""A closed terminal (SIGHUP) or a kill (SIGTERM) ends the app and every server it started:
no MCP server is left running as an orphan, in the TUI (on a real pty) or headless."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
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
        return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, env=env, stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    # read what the app draws for as long as it runs: a pty whose buffer fills would block it
    threading.Thread(target=_drain, args=(controller,), daemon=True).start()
    return process


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
@pytest.mark.parametrize("face", ["tui", "headless"])
def test_a_signal_stops_the_app_and_its_servers(tmp_path, openai_server, sig, face):
    openai_server.enqueue(tool_calls(call("u__hang", "{}", id="h")))  # headless: busy in a call that never ends
    flags = ["--approve", "auto", "--json", "--prompt", "hang"] if face == "headless" else []
    process = start(tmp_path, openai_server.base_url, *flags, tty=face == "tui")
    try:
        if face == "headless":  # its own report says when the call has started
            assert any(json.loads(line)["type"] == "tool_started" for line in process.stdout), "the call never started"
        wait_for(lambda: len(servers_of(process.pid)) == 3, "the two servers (and v's sleep) never started")
        children = servers_of(process.pid)
        process.send_signal(sig)
        process.wait(GENEROUS)
        _, alive = psutil.wait_procs(children, GENEROUS)
        assert alive == [], "a server outlived the app"
    finally:
        if process.poll() is None:
            process.kill()
