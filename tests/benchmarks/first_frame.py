"""Time to first frame: the app in a 120×40 tmux pane, polled with capture-pane until its
input shows; side by side with elia (elia-chat from PyPI, in its own venv under .cache/)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.common import Measure, median

REPO = Path(__file__).resolve().parents[2]
ELIA_VENV = REPO / ".cache" / "bench" / "elia-venv"
TIMEOUT = 20.0


def elia() -> Path:
    """elia's command, installed into its own venv the first time."""
    command = ELIA_VENV / "bin" / "elia"
    if not command.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ELIA_VENV)], check=True)
        subprocess.run([str(ELIA_VENV / "bin" / "pip"), "install", "-q", "elia-chat==1.10.0"], check=True, timeout=900)
    return command


def first_frame(command: str, marker: str, env: dict[str, str], on_shown=None) -> float:
    """Seconds from launching `command` in a fresh 120×40 pane until `marker` is on it;
    `on_shown(session)` runs then, before the pane is closed."""
    session = f"bench{os.getpid()}"
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    started = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"env {exports} {command}"], check=True)
    try:
        while time.perf_counter() - started < TIMEOUT:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
            if marker in screen:
                elapsed = time.perf_counter() - started
                if on_shown is not None:
                    on_shown(session)
                return elapsed
            time.sleep(0.005)
        raise TimeoutError(f"{command!r} showed no {marker!r} within {TIMEOUT:g} s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        time.sleep(0.3)  # let it exit before the next run


def run(runs: int) -> list[Measure]:
    if shutil.which("tmux") is None:
        return [Measure("first frame", "s", [], "≤ elia", note="tmux is not installed")]
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    ours_env = {"MCP_TUI_HOME": str(home / "mcp-tui"), "TERM": "xterm-256color"}
    elia_env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "share"), "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color"}
    ours = f"{sys.executable} -m mcp_tui"
    peer = str(elia())
    first_frame(ours, "Type a message", ours_env)  # first runs create their databases: not timed
    first_frame(peer, "Enter your message", elia_env)
    mine, theirs = [], []
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both
        mine.append(first_frame(ours, "Type a message", ours_env))
        theirs.append(first_frame(peer, "Enter your message", elia_env))
    return [Measure("time to first frame, input shown", "s", mine, "≤ elia", median(mine) <= median(theirs), "elia 1.10", theirs)]
