"""Quitting on time: a deadline after which the process ends, whatever still waits.

Textual's shutdown can block for ever in its writer thread (`Queue.put`) once the terminal
is gone (tmux kill-server); the event loop then never runs again and so never sees SIGTERM.
A daemon thread, armed when quitting begins, ends the process if quitting has not finished
by the deadline, after a last step (close the session file, kill the servers).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

QUIT_DEADLINE = 6.0  # seconds from the start of quitting; a normal quit takes about one
HARD_EXIT_CODE = 70  # EX_SOFTWARE: the shutdown did not finish by itself


class ShutdownDeadline:
    """`seconds` None: never fires (an app in a test process must not end that process)."""

    def __init__(self, last_step: Callable[[], None], seconds: float | None = QUIT_DEADLINE) -> None:
        self.seconds = seconds
        self._last_step = last_step
        self._finished = threading.Event()
        self._thread: threading.Thread | None = None

    def arm(self) -> None:
        """Quitting began: from now on the process ends within `seconds`."""
        if self._thread is None and self.seconds is not None:
            self._thread = threading.Thread(target=self._watch, name="shutdown-deadline", daemon=True)
            self._thread.start()

    def finished(self) -> None:
        self._finished.set()

    def _watch(self) -> None:
        if self._finished.wait(self.seconds):
            return
        log.error("quitting did not finish within %g s: ending the process", self.seconds)
        try:
            self._last_step()
        except Exception:
            log.exception("the last step before the hard exit failed")
        flush_and_exit(HARD_EXIT_CODE)


def flush_and_exit(code: int) -> None:
    """End the process now, once the log and the standard streams are flushed: nothing
    else is waited for (no interpreter teardown, no library exit hooks)."""
    for handler in logging.getLogger().handlers:
        try:
            handler.flush()
        except Exception:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)
