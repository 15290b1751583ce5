"""A tool call's timeout measures the server, so it is held while the server waits on the user.

A server may ask the user something (an elicitation form) in the middle of a tool call; the
user may take minutes, longer than the call's timeout. While one of a server's questions is
open, the timeouts of that server's calls are held, and they go on with the seconds they had
left once it is answered. (The SDK's own per-request clock cannot be used: it pauses only
for code running in the request's context, and the question arrives in the session's.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager


class UserWait:
    def __init__(self) -> None:
        self._open = 0  # questions of this server on screen
        self._timers: set[asyncio.Timeout] = set()
        self._left: dict[asyncio.Timeout, float] = {}  # held timer -> seconds it had left

    @property
    def holding(self) -> bool:
        """A question of this server is open: its calls' timeouts are held."""
        return self._open > 0

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[None]:
        """Like asyncio.timeout(seconds), but held while this server waits on the user."""
        async with asyncio.timeout(seconds) as timer:
            self._timers.add(timer)
            if self._open:
                self._hold(timer)
            try:
                yield
            finally:
                self._timers.discard(timer)
                self._left.pop(timer, None)

    @contextmanager
    def asking(self) -> Iterator[None]:
        """The server waits on the user while this block is open."""
        self._open += 1
        if self._open == 1:
            for timer in self._timers:
                self._hold(timer)
        try:
            yield
        finally:
            self._open -= 1
            if not self._open:
                now = asyncio.get_running_loop().time()
                for timer, left in self._left.items():
                    timer.reschedule(now + left)
                self._left.clear()

    def _hold(self, timer: asyncio.Timeout) -> None:
        when = timer.when()
        if when is not None and not timer.expired():
            self._left[timer] = max(0.0, when - asyncio.get_running_loop().time())
            timer.reschedule(None)
