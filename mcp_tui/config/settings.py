"""Settings from flags and the environment (flags win)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, SecretStr

from mcp_tui.models.provider import Resolution
from mcp_tui.models.approval import ApprovalMode, ElicitMode


class Settings(BaseModel):
    provider: str | None = None
    model: str | None = None
    api_base: str | None = None
    api_key: SecretStr | None = None
    config_path: Path | None = None
    trust_config: bool = False  # start a working-folder config without asking (and remember it)
    only_servers: list[str] | None = None
    approve: ApprovalMode = ApprovalMode.ASK
    elicit: ElicitMode = ElicitMode.DECLINE  # how a server's question is answered when nobody is asked (headless)
    token_threshold: int = 150_000
    max_turns_per_segment: int = 200
    max_rounds: int = 25
    max_tools: int = 128  # tools offered per request (OpenAI's documented maximum); <= 0: no cap
    tool_timeout: float = 120.0
    stream_idle_timeout: float = 60.0  # seconds of silence mid-answer before the turn fails
    server_wait: float = 30.0  # how long a turn waits for servers that are still starting
    system_prompt: str | None = None
    persist: bool = True  # write the session file as it happens
    max_retries: int | None = None  # provider retries; None keeps the libraries' own

    resolution: Resolution | None = None  # how the provider was chosen (None: given directly)

    def resolved(self, resolution: Resolution) -> "Settings":
        """These settings talking to the provider `resolution` chose."""
        return self.model_copy(
            update={
                "provider": resolution.provider,
                "model": resolution.model,
                "api_base": resolution.api_base,
                "api_key": self.api_key if resolution.flag_key else None,  # a key means nothing to another provider
                "resolution": resolution,
            }
        )
