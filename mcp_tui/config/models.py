"""The server configuration every layer shares, whatever file format it came from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from mcp_tui.config.oauth import OAuthConfig
from mcp_tui.text import Shown

Transport = Literal["stdio", "http", "sse"]
# RFC 5424 severities, least severe first (MCP's LoggingLevel)
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
MASK = "•••"
# A `${VAR}` left in a value was not expanded (the variable is missing, so the server does
# not start): the value names the variable and holds no secret, and the reason shown for
# the server must keep that name readable.
_PLACEHOLDER = re.compile(r"\$\{[^{}]*\}")


class ServerConfig(BaseModel):
    """One MCP server, normalised from mcp-cli, Claude Desktop or VS Code JSON."""

    name: Shown  # from a file that may not be the user's: never an escape sequence on screen
    transport: Transport = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    disabled: bool = False
    # Offered to the server as MCP roots: True is the folder the app runs in, a list names the
    # folders (absolute once loaded), False declares no roots capability at all.
    roots: list[str] | bool = True
    sampling: bool = False  # the server may ask the current model for answers (each one approved)
    oauth: OAuthConfig = Field(default_factory=OAuthConfig)  # remote servers only
    log_level: str | None = None  # the least severe log message the server should send (None: warning)
    source: Path | None = None  # the file it was read from, for error messages
    # Set when the entry cannot be started as written (missing ${VAR}, no command ...):
    # the server is still listed, in state "failed" with this reason.
    config_error: str | None = None

    def secret_values(self) -> set[str]:
        """Values that must never reach a log, a session file or the screen."""
        values = (*self.env.values(), *self.headers.values(), *self.oauth.secret_values())
        unexpanded = self.config_error is not None  # a missing variable: the entry never starts
        return {v for v in values if v and not (unexpanded and _PLACEHOLDER.search(v))}

    def redacted(self) -> dict:
        """A dump safe to print: env and header values masked."""
        data = self.model_dump(mode="json", exclude={"source"})
        data["env"] = {k: MASK for k in self.env}
        data["headers"] = {k: MASK for k in self.headers}
        data["oauth"] = self.oauth.redacted()
        return data

    def __repr_args__(self):  # keep secrets out of reprs and tracebacks
        for key, value in super().__repr_args__():
            if key in ("env", "headers") and isinstance(value, dict):
                value = {k: MASK for k in value}
            elif key == "oauth":
                value = self.oauth.redacted()
            yield key, value
