"""One installer at a time for the test peers kept in .cache/: pytest-xdist workers may ask at once."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / ".cache"


@contextmanager
def install_lock(name: str) -> Iterator[None]:
    """Held while `name` is checked for and installed; the loser of the race finds it there."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
