"""Time to quit: Ctrl+Q in a 120×40 tmux pane, with the bundled servers (time, sqlite)
ready and one answer given, until the process has ended and the shell has the terminal
back. Before the quit work this took 3–4 s here (servers stopped one grace period at a time,
then ~2 s of interpreter teardown)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.common import Measure, median

TIMEOUT = 60.0
REPO = Path(__file__).resolve().parents[2]


def _screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def _wait_for(session: str, marker: str) -> None:
    started = time.perf_counter()
    while marker not in _screen(session):
        if time.perf_counter() - started > TIMEOUT:
            raise TimeoutError(f"no {marker!r} on the screen within {TIMEOUT:g} s")
        time.sleep(0.05)


def quit_once(home: Path) -> float:
    """Seconds from Ctrl+Q to the process's end, for one fresh app."""
    session = f"benchquit{os.getpid()}"
    ended = home / "ended"
    ended.unlink(missing_ok=True)
    command = (f"cd {REPO} && env PYTHONPATH={REPO} MCP_TUI_HOME={home} TERM=xterm-256color {sys.executable} -m mcp_tui;"
               f" date +%s.%N > {ended}; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)
    try:
        _wait_for(session, "sqlite  4 tools")  # both servers up
        subprocess.run(["tmux", "send-keys", "-t", session, "what time is it in Tokyo", "Enter"], check=True)
        _wait_for(session, "✓ done")
        _wait_for(session, "--doctor shows")  # the demo answer's last line: the turn is over
        pressed = time.time()
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        while not (ended.exists() and ended.read_text().strip()):
            if time.time() - pressed > TIMEOUT:
                raise TimeoutError(f"the app did not quit within {TIMEOUT:g} s")
            time.sleep(0.01)
        return float(ended.read_text()) - pressed
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def run(runs: int) -> list[Measure]:
    if shutil.which("tmux") is None:
        return [Measure("Ctrl+Q to shell prompt", "s", [], "≤ 1.5 s", note="tmux is not installed")]
    home = Path(tempfile.mkdtemp(prefix="bench-quit-"))
    quit_once(home)  # the first run creates the sample database: not timed
    times = [quit_once(home) for _ in range(runs)]
    for i, seconds in enumerate(times, 1):
        print(f"  quit {i}: {seconds:.2f} s", file=sys.stderr)
    return [Measure("Ctrl+Q to shell prompt, 2 servers running", "s", times, "≤ 1.5 s", median(times) <= 1.5)]


if __name__ == "__main__":
    from tests.benchmarks.common import table

    print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5)))
