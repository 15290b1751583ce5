"""What the ServerManager reports: server states, tools, tool results and call errors."""

from __future__ import annotations

import time
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, Field

from mcp_tui.config.models import Transport
from mcp_tui.models.resources import ResourceLinkRef
from mcp_tui.models.messages import ImagePart
from mcp_tui.text import Shown


class ServerState(str, Enum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"  # could not start (bad config, missing command, no answer ...)
    EXITED = "exited"  # was ready, then the connection died
    STOPPED = "stopped"  # we stopped it
    DISABLED = "disabled"
    NEEDS_LOGIN = "needs-login"  # answered 401: the user logs in in the browser (OAuth)


class ServerStatus(BaseModel):
    name: Shown
    state: ServerState
    reason: Shown | None = None  # often the server's own last stderr line
    tool_count: int = 0
    transport: Transport = "stdio"
    since: float = Field(default_factory=time.time)
    reconnecting: bool = False  # a remote server that dropped, between tries to reconnect


class ToolInfo(BaseModel):
    server: str
    name: str  # the server's own name for it
    qualified_name: str  # what the model calls: unique and OpenAI-safe
    title: Shown | None = None
    description: Shown = ""  # the server's text: shown in /tools and sent to the model
    input_schema: dict[str, Any] = Field(default_factory=dict)
    read_only: bool | None = None
    destructive: bool | None = None
    idempotent: bool | None = None
    open_world: bool | None = None

    def to_openai(self) -> dict[str, Any]:
        schema = dict(self.input_schema) if self.input_schema else {}
        schema.setdefault("type", "object")
        if schema["type"] == "object":
            schema.setdefault("properties", {})  # some APIs reject an object schema without it
        return {
            "type": "function",
            "function": {"name": self.qualified_name, "description": self.description, "parameters": schema},
        }


class ToolResult(BaseModel):
    text: str  # what the model gets, bounded
    full_text: str  # everything, for the screen
    is_error: bool = False
    structured: dict[str, Any] | None = None
    truncated: bool = False
    links: list[ResourceLinkRef] = Field(default_factory=list)  # resource_link blocks: openable from the tool's detail
    images: list[ImagePart] = Field(default_factory=list)  # for the model, if it sees images


ErrorKind = Literal["timeout", "unavailable", "unknown_tool", "protocol", "cancelled"]


class ToolCallError(Exception):
    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message

    def __repr__(self) -> str:
        return f"ToolCallError({self.kind!r}, {self.message!r})"
