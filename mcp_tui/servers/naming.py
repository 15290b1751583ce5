"""Tool names the model sees: `<server>__<tool>`, OpenAI-safe and unique for the session."""

from __future__ import annotations

import hashlib
import re

MAX_LEN = 64
SEPARATOR = "__"
_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]")
VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def qualify(server: str, tool: str) -> str:
    """`server__tool` with unsafe characters replaced; long names cut and given a stable hash."""
    raw = f"{server}{SEPARATOR}{tool}"
    safe = _UNSAFE.sub("_", raw) or "_"
    if len(safe) > MAX_LEN:
        safe = f"{safe[: MAX_LEN - 9]}_{_digest(raw)}"
    return safe


class NameRegistry:
    """Hands out qualified names and remembers them, so a name never changes or clashes
    within a session, even when servers restart or come up in another order."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, tuple[str, str]] = {}

    def name_for(self, server: str, tool: str) -> str:
        pair = (server, tool)
        if pair in self._by_pair:
            return self._by_pair[pair]
        name = qualify(server, tool)
        if name in self._by_name:  # sanitising made two names equal ("a.b" and "a_b")
            digest = _digest(f"{server}{SEPARATOR}{tool}")
            name = f"{name[: MAX_LEN - 9]}_{digest}"
            n = 1
            while name in self._by_name:  # a hash clash too: practically never
                name = f"{name[: MAX_LEN - 12]}_{n:02d}"
                n += 1
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
