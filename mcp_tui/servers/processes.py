"""Find the process a stdio server runs as, and kill whatever of its group is left.

The SDK spawns each server in a new session (so its pid is its process group) and does
not tell us the pid; we take it from the children that appear while it spawns.
"""

from __future__ import annotations

import os
import signal


def child_pids() -> set[int]:
    try:
        import psutil

        return {p.pid for p in psutil.Process().children(recursive=False)}
    except ImportError:
        pass
    me = str(os.getpid())
    found: set[int] = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ")"
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == me:
            found.add(int(entry))
    return found


def kill_group(pgid: int | None) -> None:
    """SIGKILL what is left of a server's process group (grandchildren it left behind)."""
    signal_group(pgid, signal.SIGKILL)


def signal_group(pgid: int | None, signum: int) -> None:
    if not pgid or os.name != "posix":
        return
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass
