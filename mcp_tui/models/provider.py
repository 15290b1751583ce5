"""How the provider was chosen: the steps of the resolution and the pick (see llm/resolve.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["flags", "session", "env", "settings", "hosted", "ollama", "local", "demo"]


class Flags(BaseModel):
    """What the command line said about the provider (kept: opening a saved session resolves again)."""

    provider: str | None = None
    model: str | None = None
    api_base: str | None = None
    api_key_given: bool = False


class Step(BaseModel):
    source: str
    detail: str  # the whole story, for --doctor
    short: str = ""  # a few words, for the sidebar
    chosen: bool = False


class Resolution(BaseModel):
    provider: str
    model: str | None = None
    api_base: str | None = None
    kind: Kind
    tools: bool = True  # the tiny local model cannot call tools: none are offered to it
    local_model_path: Path | None = None
    steps: list[Step] = Field(default_factory=list)
    flag_key: bool = True  # an --api-key given goes with this provider (not with a session's other one)
    note: str | None = None  # said to the user: a resumed session's own provider could not be used
    flags: Flags | None = None  # what it was resolved from

    @property
    def label(self) -> str | None:
        return display_label(self.provider, self.kind, self.model)


def display_label(provider: str, kind: str | None = None, model: str | None = None) -> str | None:
    """What the header and sidebar call a provider that provider/model would misdescribe."""
    if provider == "demo":
        return "DEMO guide (not a model)"
    if kind == "local":
        return f"local {model}: tiny offline model, plain chat, tools off"
    return None
