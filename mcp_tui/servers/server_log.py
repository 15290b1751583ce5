"""A server's stderr (and its log messages) in NAME.log, moved to NAME.log.1 whenever it
passes its limit, also while the server runs, so a flood cannot fill the disk.

The server writes into a pipe that we read: a file handed to the child could not be rotated
(the child keeps writing to the old file, for ever)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

TAIL_BYTES = 16_384  # enough of the end to find the last line for an exit reason
DRAIN_WAIT = 2.0  # how long to wait for a stopped server's last stderr (a grandchild may hold the pipe)


class ServerLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.max_bytes = 1
        self._file: IO[bytes] | None = None
        self._size = 0
        self._tail = bytearray()  # this run's last bytes, across rotations
        self._write_end: IO[str] | None = None
        self._transport: asyncio.ReadTransport | None = None
        self._ended: asyncio.Event | None = None
        self._failed = False

    def open(self, header: str, max_bytes: int) -> None:
        self.close()
        self.max_bytes, self._tail, self._failed = max(max_bytes, 1), bytearray(), False
        self._ended = None  # no pipe until stderr_pipe()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and self.path.stat().st_size > self.max_bytes:
                self.path.replace(self.rotated)
            self._file = open_private(self.path)
            self._size = self._file.tell()
        except OSError as exc:
            log.warning("cannot open %s (%s); server stderr is not kept", self.path, exc)
            self._file = None
        self._append(header.encode())
        self._tail.clear()  # the header is no exit reason

    @property
    def rotated(self) -> Path:
        return self.path.with_suffix(".log.1")

    async def stderr_pipe(self) -> IO[str]:
        """The file to give the server as its stderr; call `spawned()` once it runs."""
        read_fd, write_fd = os.pipe()
        self._write_end = os.fdopen(write_fd, "w")
        self._ended = ended = asyncio.Event()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_read_pipe(lambda: _Reader(self._append, ended), os.fdopen(read_fd, "rb", 0))
        self._transport = transport
        return self._write_end

    def spawned(self) -> None:
        """Drop our copy of the pipe's write end: the pipe ends when the server's ends."""
        if self._write_end is not None:
            self._write_end.close()
            self._write_end = None

    def write_line(self, text: str) -> None:
        """A line of ours (a log message the server sent): in the file, not in the stderr tail."""
        self._append(text.rstrip().encode(errors="replace") + b"\n", tail=False)

    async def drain(self, timeout: float = DRAIN_WAIT) -> None:
        """Wait until the server's stderr ended (it exited), so its last words are logged."""
        self.spawned()
        if self._ended is not None:
            try:
                await asyncio.wait_for(self._ended.wait(), timeout)
            except TimeoutError:
                log.debug("stderr of %s still open after %ss", self.path.name, timeout)

    def close(self) -> None:
        self.spawned()
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def last_line(self) -> str | None:
        lines = self.tail_lines(1)
        return lines[-1][:300] if lines else None

    def tail_lines(self, count: int) -> list[str]:
        """The last `count` non-blank lines the server wrote on stderr in this run."""
        return [ln.rstrip() for ln in self._tail.decode(errors="replace").splitlines() if ln.strip()][-count:]

    def _append(self, data: bytes, tail: bool = True) -> None:
        if tail:
            self._tail += data
            del self._tail[:-TAIL_BYTES]
        try:
            while self._file is not None and data:
                room = self.max_bytes - self._size
                if len(data) <= room:
                    self._write(data)
                    break
                piece = data[:room]
                piece = piece[: piece.rfind(b"\n") + 1] or piece  # end the file on a whole line if one fits
                self._write(piece)
                data = data[len(piece) :]
                self._rotate()
        except OSError as exc:  # a full disk must not break the pipe, or the server blocks on stderr
            if not self._failed:
                log.warning("cannot write %s (%s); server stderr is not kept", self.path, exc)
            self._failed = True

    def _write(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self._file.flush()  # others read the file while the server runs (a user, a tail -f)
        self._size += len(data)

    def _rotate(self) -> None:
        assert self._file is not None
        self._file.close()
        self._file = None
        self.path.replace(self.rotated)
        self._file = open_private(self.path)
        self._size = 0


def open_private(path: Path):
    """Appends to `path`, created 0600: server stderr may hold what the server was given."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")


class _Reader(asyncio.Protocol):
    def __init__(self, sink, ended: asyncio.Event) -> None:
        self._sink, self._ended = sink, ended

    def data_received(self, data: bytes) -> None:
        self._sink(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended.set()
