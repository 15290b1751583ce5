"""Tool names the model sees: `<server>__<tool>`, OpenAI-safe (`[A-Za-z0-9_-]{1,64}`) and
unique, and a function of the (server, tool) pair alone, so they never depend on which server
listed its tools first.

The plain `server__tool` is used when it says exactly which pair it is: both parts are already
safe, the server name holds no `__` and does not end in `_` (so the first `__` is the
separator), and it fits in 64 characters. Anything else (`ev.a`, `my server`, a tool `a.b`, a
long name) gets the sanitised, cut name plus a short hash of the real pair: `ev.a` and `ev_a`
become `ev_a__q_1f2e3d4c` and `ev_a__q`, whichever starts first.
"""

from __future__ import annotations

import hashlib
import logging
import re

log = logging.getLogger(__name__)

MAX_LEN = 64
SEPARATOR = "__"
HASH_LEN = 8
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:HASH_LEN]


def _plain_is_exact(server: str, tool: str) -> bool:
    return (
        bool(server) and bool(tool) and not _UNSAFE.search(server) and not _UNSAFE.search(tool)
        and SEPARATOR not in server and not server.endswith("_")
        and len(server) + len(SEPARATOR) + len(tool) <= MAX_LEN
    )


def qualify(server: str, tool: str) -> str:
    """The model's name for `tool` of `server`: plain when that is exact, else sanitised and
    cut, with a hash of the real pair (the NUL between them cannot occur in either)."""
    plain = f"{server}{SEPARATOR}{tool}"
    if _plain_is_exact(server, tool):
        return plain
    safe = _UNSAFE.sub("_", plain)
    return f"{safe[: MAX_LEN - HASH_LEN - 1]}_{_digest(server + chr(0) + tool)}"


class NameRegistry:
    """Remembers the names handed out, to map a name the model calls back to its pair."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, tuple[str, str]] = {}

    def name_for(self, server: str, tool: str) -> str:
        pair = (server, tool)
        if pair in self._by_pair:
            return self._by_pair[pair]
        name = qualify(server, tool)
        if name in self._by_name:  # a 32-bit hash clash, or a tool literally named like a hashed one
            log.warning("tool name %r of %s.%s clashes with %s.%s; numbered", name, server, tool, *self._by_name[name])
            stem, n = name[: MAX_LEN - 3], 1
            while f"{stem}_{n:02d}" in self._by_name:
                n += 1
            name = f"{stem}_{n:02d}"
        self._by_pair[pair] = name
        self._by_name[name] = pair
        return name

    def lookup(self, name: str) -> tuple[str, str] | None:
        return self._by_name.get(name)


def shown_name(qualified: str, resolved: tuple[str, str] | None = None) -> str:
    """`server.tool`, as a call is shown: from the (server, tool) the servers resolved, else
    read back from `server__tool` (a saved call whose server is not running now)."""
    if resolved:
        return f"{resolved[0]}.{resolved[1]}"
    server, separator, tool = qualified.partition(SEPARATOR)
    return f"{server}.{tool}" if separator and server and tool else qualified
