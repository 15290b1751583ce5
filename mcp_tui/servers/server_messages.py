"""What a server tells the client besides tool results: its instructions, its log messages
(`notifications/message`), and which of its tools this client cannot run (they need tasks).

Kept per server, bounded: a server that floods its log costs a fixed amount of memory.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import mcp_types as types
from pydantic import BaseModel, Field

from mcp_tui.config.models import LOG_LEVELS
from mcp_tui.logsetup import mask_secrets
from mcp_tui.text import Shown, safe_text

log = logging.getLogger(__name__)

DEFAULT_LOG_LEVEL = "warning"
RING_SIZE = 500  # log messages kept per server
MAX_DATA_CHARS = 20_000  # of one message's data, as shown


def level_rank(level: str) -> int:
    return LOG_LEVELS.index(level) if level in LOG_LEVELS else 0


def is_error(level: str) -> bool:
    return level_rank(level) >= level_rank("error")


class LogEntry(BaseModel):
    """One log message of a server, as shown: cleaned, bounded, JSON data pretty-printed."""

    server: Shown
    level: str
    logger: Shown | None = None
    text: Shown
    at: float = Field(default_factory=time.time)


def data_text(data: Any) -> str:
    """A message's data for the screen: a string as it is, anything else as indented JSON."""
    if isinstance(data, str):
        text = data
    else:
        try:
            text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(data)
    if len(text) > MAX_DATA_CHARS:
        text = f"{text[:MAX_DATA_CHARS]}\n[{len(text) - MAX_DATA_CHARS:,} more characters not shown]"
    return mask_secrets(safe_text(text))  # a server may log what it was given (a key in its env)


class ServerMessages:
    """One server's log messages (the newest RING_SIZE), its instructions and hidden tools.

    `listeners` are called with each new entry (the engine turns it into an event)."""

    def __init__(self, server: str, level: str = DEFAULT_LOG_LEVEL) -> None:
        self.server = server
        self.level = level  # asked of the server with logging/setLevel
        self.entries: deque[LogEntry] = deque(maxlen=RING_SIZE)
        self.received = 0  # all entries ever, also those the ring let go
        self.instructions: str | None = None
        self.hidden_tools: list[str] = []  # tools that require tasks, not offered to the model
        self.logging = False  # the server declared the logging capability
        self.listeners: list[Callable[[LogEntry], None]] = []

    def connected(self, result: types.InitializeResult | None) -> None:
        """A (re)connection: what its initialize result says."""
        self.instructions = (result.instructions or None) if result is not None else None
        caps = result.capabilities if result is not None else None
        self.logging = caps is not None and caps.logging is not None

    def add(self, params: types.LoggingMessageNotificationParams) -> LogEntry:
        entry = LogEntry(server=self.server, level=str(params.level), logger=params.logger, text=data_text(params.data))
        self.entries.append(entry)
        self.received += 1
        for listener in list(self.listeners):
            try:
                listener(entry)
            except Exception:
                log.exception("log listener failed")
        return entry

    def hidden_note(self) -> str | None:
        """What the server's status says about tools left out because they need tasks."""
        if not self.hidden_tools:
            return None
        n = len(self.hidden_tools)
        names = ", ".join(self.hidden_tools[:5]) + (", …" if n > 5 else "")
        return f"{n} tool{'s' if n != 1 else ''} need{'s' if n == 1 else ''} tasks: hidden ({names})"


def needs_tasks(tool: types.Tool) -> bool:
    """A tool the server runs only as a task (`execution.taskSupport: "required"`): this client
    does not support tasks, so every call would fail (-32601)."""
    execution = tool.execution
    return execution is not None and execution.task_support == "required"


async def set_level(session: Any, level: str) -> None:
    """`logging/setLevel`, sent as a plain request: the SDK's `set_logging_level` warns that the
    logging capability is deprecated in protocol 2026-07-28, but servers of 2025-11-25 use it."""
    await session.send_request(
        types.SetLevelRequest(params=types.SetLevelRequestParams(level=level)), types.EmptyResult
    )
