"""A session store for the SessionManager that keeps its sessions as objects.

The library's default store serialises the whole segment to JSON and updates an index
on every message (O(segment) per message: 1.1 ms at 1,000 messages). mcp-tui keeps
its own session file, so the SessionManager's copy only has to live in memory.
"""

from __future__ import annotations

from typing import Any


class ObjectStore:
    """The subset of ChukSessionsStore that SessionManager uses: get, save, delete, list."""

    def __init__(self) -> None:
        self._sessions: dict[str, Any] = {}

    async def get(self, session_id: str) -> Any:
        return self._sessions.get(session_id)

    async def save(self, session: Any) -> None:
        self._sessions[session.id] = session

    async def delete(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    async def list_sessions(self, prefix: str = "") -> list[str]:
        return [key for key in self._sessions if key.startswith(prefix)]


def skip_global_saves() -> None:
    """SessionManager adds each event with `session.add_event_and_save(event)` and no store,
    so the session is also serialised into the library's global backend on every message,
    whatever store it was given. With ObjectStore the session object already is the stored
    copy: adding the event is enough. (Private API: the version is pinned in pyproject.)"""
    from chuk_ai_session_manager.models.session import Session

    if getattr(Session.add_event_and_save, "_mcp_tui", False):
        return

    async def add_event_and_save(self, event, store=None) -> None:
        await self.add_event(event)
        if store is not None:
            await store.save(self)

    add_event_and_save._mcp_tui = True
    Session.add_event_and_save = add_event_and_save
