"""Who decides whether a tool runs: a policy, and for the TUI a question to the user."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from mcp_tui.models.approval import ApprovalMode, Decision

__all__ = ["ApprovalMode", "ApprovalPolicy", "ApprovalRequest", "Decision"]


class ApprovalRequest(BaseModel):
    call_id: str
    server: str
    tool: str
    qualified_name: str
    arguments: dict[str, Any]
    annotations: dict[str, Any]


Asker = Callable[[ApprovalRequest], Awaitable[Decision]]


class ApprovalPolicy:
    def __init__(self, mode: ApprovalMode = ApprovalMode.ASK, asker: Asker | None = None) -> None:
        self.mode = mode
        self.asker = asker
        self.trusted: set[str] = set()

    def decide_now(self, qualified_name: str, read_only: bool | None) -> Decision | None:
        """The decision that needs nobody, or None when the user must be asked."""
        if self.mode is ApprovalMode.NEVER:
            return Decision.DENY
        if self.mode is ApprovalMode.AUTO or qualified_name in self.trusted or read_only:
            return Decision.RUN
        if self.mode is ApprovalMode.READONLY or self.asker is None:
            return Decision.DENY
        return None

    async def ask(self, request: ApprovalRequest) -> Decision:
        assert self.asker is not None
        decision = await self.asker(request)
        if decision is Decision.TRUST:
            self.trusted.add(request.qualified_name)
        return decision
