"""Who decides whether a tool runs: a policy, and for the TUI a question to the user.

Order: --approve never refuses everything; then auto, read-only tools, and what the user
trusted (for this session, or always: the settings file) run; then readonly refuses and
ask asks. So a saved "always allow" can lift a question or the readonly rule, never `never`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from mcp_tui.config.preferences import AllowRule, NotSaved, SavedTrust
from mcp_tui.models.approval import ApprovalMode, Decision
from mcp_tui.text import safe_text

__all__ = ["ApprovalMode", "ApprovalPolicy", "ApprovalRequest", "Decision"]
log = logging.getLogger(__name__)
REVOKE_HINT = "Ctrl+P → Trusted tools to revoke"


class ApprovalRequest(BaseModel):
    call_id: str
    server: str
    tool: str
    qualified_name: str
    arguments: dict[str, Any]
    annotations: dict[str, Any]

    @property
    def label(self) -> str:
        return safe_text(f"{self.server}.{self.tool}")


Asker = Callable[[ApprovalRequest], Awaitable[Decision]]
Confirm = Callable[[str, bool], None]  # (what the trust answer did, whether it all went well)


class ApprovalPolicy:
    def __init__(self, mode: ApprovalMode = ApprovalMode.ASK, asker: Asker | None = None, saved: SavedTrust | None = None) -> None:
        self.mode = mode
        self.asker = asker
        self.saved = saved  # the always-allow rules of the settings file; None: nothing is kept
        self.confirm: Confirm | None = None  # the face that says what a trust answer did
        self.trusted: set[str] = set()  # qualified names trusted for this session
        self.trusted_servers: set[str] = set()

    def decide_now(self, qualified_name: str, read_only: bool | None, server: str | None = None, tool: str | None = None) -> Decision | None:
        """The decision that needs nobody, or None when the user must be asked."""
        if self.mode is ApprovalMode.NEVER:
            return Decision.DENY
        if self.mode is ApprovalMode.AUTO or read_only or self._trusts(qualified_name, server, tool):
            return Decision.RUN
        if self.mode is ApprovalMode.READONLY or self.asker is None:
            return Decision.DENY
        return None

    def refusal(self) -> str:
        """What the model is told when this policy refused a call (decide_now said DENY): the
        policy's words, since nobody was asked."""
        if self.mode is ApprovalMode.NEVER:
            return "Not run: the --approve never policy allows no tool calls. Answer without tools."
        if self.mode is ApprovalMode.READONLY:
            return (
                "Not run: the --approve readonly policy allows only read-only tools, and this tool is not marked "
                "read-only. Do not call it again; answer without it or say what it would have done."
            )
        return "Not run: nobody can approve it here (--approve ask with no one to ask); only read-only tools run. Do not call it again."

    def _trusts(self, qualified_name: str, server: str | None, tool: str | None) -> bool:
        if qualified_name in self.trusted:
            return True
        if server is None or tool is None:
            return False
        return server in self.trusted_servers or (self.saved is not None and self.saved.allows(server, tool))

    async def ask(self, request: ApprovalRequest) -> Decision:
        assert self.asker is not None
        decision = await self.asker(request)
        if decision in (Decision.TRUST, Decision.ALWAYS_TOOL, Decision.ALWAYS_SERVER):
            text, ok = await self._remember(request, decision)
            log.info("%s", text)
            if self.confirm is not None:
                self.confirm(text, ok)
        return decision

    async def _remember(self, request: ApprovalRequest, decision: Decision) -> tuple[str, bool]:
        """Keep the answer: an "always" one in the settings file (so revoking it there takes
        effect at once), else for this session. Returns what to tell the user, and whether
        everything asked for was kept."""
        if decision is Decision.TRUST:
            self.trusted.add(request.qualified_name)
            return f"Trusted {request.label} for this session.", True
        rule = AllowRule(server=request.server, tool=request.tool if decision is Decision.ALWAYS_TOOL else None)
        what = request.label if rule.tool is not None else f"every tool of {safe_text(request.server)}"
        problem = "this session keeps no preferences"
        if self.saved is not None:
            try:
                await asyncio.to_thread(self.saved.add, rule)
                return f"Always allowed {what} ({REVOKE_HINT}).", True
            except NotSaved as exc:
                problem = str(exc)
        if rule.tool is None:
            self.trusted_servers.add(request.server)
        else:
            self.trusted.add(request.qualified_name)
        return f"Allowed {what} for this session only: {problem}", False
