"""The folders servers are offered as MCP roots: per server from its config (the working folder
by default), plus what the user added or removed for this session (/roots add, /roots remove).

A server asks with roots/list; when the session's roots change, every server that was offered
roots is told with notifications/roots/list_changed and asks again.
"""

from __future__ import annotations

import os
from pathlib import Path

import mcp_types as types

from mcp_tui.config.models import ServerConfig


def folder(path: str | Path, base: Path | None = None) -> Path:
    """A root as the user typed it: ~ expanded, relative to `base` (the working folder)."""
    return Path(os.path.normpath((base or Path.cwd()) / Path(path).expanduser()))


class SessionRoots:
    def __init__(self, working: Path | None = None) -> None:
        self.working = working or Path.cwd()
        self.added: list[Path] = []  # for every server offered roots, this session
        self.removed: set[Path] = set()

    @staticmethod
    def offered(config: ServerConfig) -> bool:
        return config.roots is not False

    def for_server(self, config: ServerConfig) -> list[Path]:
        if not self.offered(config):
            return []
        configured = [Path(p) for p in config.roots] if isinstance(config.roots, list) else [self.working]
        found = [p for p in configured if p not in self.removed]
        return found + [p for p in self.added if p not in found]

    def add(self, path: Path) -> None:
        self.removed.discard(path)
        if path not in self.added:
            self.added.append(path)

    def remove(self, path: Path) -> None:
        if path in self.added:
            self.added.remove(path)
        self.removed.add(path)  # also when a server's config names it

    def by_folder(self, configs: list[ServerConfig]) -> dict[Path, list[str]]:
        """Each root and the servers it is offered to."""
        found: dict[Path, list[str]] = {}
        for config in configs:
            if not config.disabled:
                for path in self.for_server(config):
                    found.setdefault(path, []).append(config.name)
        return found

    def result(self, config: ServerConfig) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[as_root(p) for p in self.for_server(config)])


def as_root(path: Path) -> types.Root:
    return types.Root(uri=path.as_uri(), name=path.name or str(path))


async def tell_changed(session) -> None:
    """notifications/roots/list_changed. Sent as a plain notification: the SDK's
    send_roots_list_changed() warns that roots are deprecated in protocol 2026-07-28."""
    await session.send_notification(types.RootsListChangedNotification())
