"""CPU used by the app (and its servers) sitting idle for 10 s, side by side with elia."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from tests.benchmarks.common import Measure, median
from tests.benchmarks.first_frame import elia

IDLE_SECONDS = 10.0


def idle_cpu(command: str, env: dict[str, str], settle: float = 3.0) -> float:
    """Percent of one core used over IDLE_SECONDS once the app has settled."""
    session = f"idle{os.getpid()}"
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"env {exports} {command}"], check=True)
    try:
        time.sleep(settle)
        pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True).stdout)
        root = psutil.Process(pid)

        def cpu() -> float:
            total = 0.0
            for p in [root, *root.children(recursive=True)]:
                try:
                    t = p.cpu_times()
                    total += t.user + t.system
                except psutil.NoSuchProcess:
                    pass
            return total

        before = cpu()
        time.sleep(IDLE_SECONDS)
        return (cpu() - before) / IDLE_SECONDS * 100
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        time.sleep(0.3)


def run(runs: int) -> list[Measure]:
    home = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    ours_env = {"MCP_TUI_HOME": str(home / "mcp-tui"), "TERM": "xterm-256color"}
    elia_env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "share"), "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color"}
    ours, theirs = [], []
    for _ in range(min(runs, 3)):  # 10 s each
        ours.append(idle_cpu(f"{sys.executable} -m mcp_tui", ours_env))
        theirs.append(idle_cpu(str(elia()), elia_env))
    return [Measure(f"idle CPU over {IDLE_SECONDS:g} s (app + its servers)", "% of a core", ours, "≈ 0 % (< 2 %)", median(ours) < 2.0, "elia 1.10", theirs)]
