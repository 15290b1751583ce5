"""Settings from flags and the environment (flags win)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, SecretStr

from mcp_tui.models.approval import ApprovalMode


class Settings(BaseModel):
    provider: str | None = None
    model: str | None = None
    api_base: str | None = None
    api_key: SecretStr | None = None
    config_path: Path | None = None
    only_servers: list[str] | None = None
    approve: ApprovalMode = ApprovalMode.ASK
    token_threshold: int = 150_000
    max_turns_per_segment: int = 200
    max_rounds: int = 25
    tool_timeout: float = 120.0
    server_wait: float = 30.0  # how long a turn waits for servers that are still starting
    system_prompt: str | None = None
    persist: bool = True  # write the session file as it happens
    max_retries: int | None = None  # provider retries; None keeps the libraries' own

    def with_environment(self, environ: Mapping[str, str] | None = None) -> "Settings":
        """Fill what the flags left open from MCP_TUI_* variables."""
        env = os.environ if environ is None else environ
        return self.model_copy(
            update={
                "provider": self.provider or env.get("MCP_TUI_PROVIDER") or None,
                "model": self.model or env.get("MCP_TUI_MODEL") or None,
                "api_base": self.api_base or env.get("MCP_TUI_API_BASE") or None,
            }
        )
