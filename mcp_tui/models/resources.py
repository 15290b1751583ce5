"""A resource a server pointed to (a tool result's resource_link), as the faces show it."""

from __future__ import annotations

from pydantic import BaseModel

from mcp_tui.text import Shown


class ResourceLinkRef(BaseModel):
    uri: str
    name: Shown = ""
    mime_type: str | None = None
    description: Shown = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.uri})" if self.name else self.uri
