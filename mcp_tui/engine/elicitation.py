"""The engine's answer to a server's `elicitation/create`: the TUI asks the user through the
asker it sets; without one (headless) the `--elicit` policy answers. Either way the faces get
an ElicitationAnswered event saying what was asked and answered.

The request arrives while the server runs a tool call (the SDK calls us from its session's
receive loop, not from the tool call's task), so waiting here for the user blocks nothing
else: other calls, approvals and the turn go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import mcp_types as types
from pydantic import BaseModel

from mcp_tui.models.elicitation import ElicitMode, FormError, FormField, Value, default_answer, parse_form
from mcp_tui.models.events import ElicitationAnswered, ElicitationCompleted, Event
from mcp_tui.text import safe_text

log = logging.getLogger(__name__)
Action = Literal["accept", "decline", "cancel"]


class ElicitationRequest(BaseModel):
    server: str
    mode: Literal["form", "url"]
    message: str  # cleaned: the server's words, shown as plain text
    fields: list[FormField] = []
    url: str | None = None
    elicitation_id: str | None = None

    @property
    def label(self) -> str:
        return safe_text(self.server)


class ElicitationAnswer(BaseModel):
    action: Action
    content: dict[str, Value] | None = None


Asker = Callable[[ElicitationRequest], Awaitable[ElicitationAnswer]]


class Elicitor:
    def __init__(self, mode: ElicitMode, emit: Callable[[Event], None]) -> None:
        self.mode = mode
        self.emit = emit
        self.asker: Asker | None = None  # the TUI's: asks the user
        self._one_at_a_time = asyncio.Lock()  # two servers asking at once get one dialog after the other

    async def elicit(self, server: str, params: types.ElicitRequestParams) -> types.ElicitResult:
        request = ElicitationRequest(server=server, mode=params.mode, message=safe_text(params.message))
        if isinstance(params, types.ElicitRequestURLParams):
            request.url, request.elicitation_id = safe_text(params.url), params.elicitation_id
        else:
            try:
                request.fields = parse_form(params.requested_schema)
            except FormError as exc:
                log.warning("elicitation from %s: %s", server, exc)
                return self._answered(request, ElicitationAnswer(action="decline"), by="mcp-tui", why=f"{exc}")
        if self.asker is not None:
            async with self._one_at_a_time:
                answer = await self.asker(request)
            return self._answered(request, answer, by="you")
        return self._by_policy(request)

    def _by_policy(self, request: ElicitationRequest) -> types.ElicitResult:
        by = f"--elicit {self.mode.value}"
        if self.mode is ElicitMode.CANCEL:
            return self._answered(request, ElicitationAnswer(action="cancel"), by=by)
        if self.mode is ElicitMode.ACCEPT_DEFAULTS:
            if request.mode == "url":
                return self._answered(request, ElicitationAnswer(action="decline"), by=by, why="nobody can open a URL headless")
            content, why = default_answer(request.fields)
            if content is not None:
                return self._answered(request, ElicitationAnswer(action="accept", content=content), by=by, shown=content)
            return self._answered(request, ElicitationAnswer(action="decline"), by=by, why=why)
        return self._answered(request, ElicitationAnswer(action="decline"), by=by)

    def _answered(self, request: ElicitationRequest, answer: ElicitationAnswer, *, by: str, why: str = "", shown=None) -> types.ElicitResult:
        self.emit(ElicitationAnswered(
            server=request.server, mode=request.mode, message=request.message, fields=[f.name for f in request.fields],
            url=request.url, action=answer.action, by=by, why=why, content=shown,
        ))
        content = answer.content if answer.action == "accept" and request.mode == "form" else None
        return types.ElicitResult(action=answer.action, content=content)

    def completed(self, server: str, elicitation_id: str) -> None:
        """notifications/elicitation/complete: the out-of-band step of a URL elicitation is done."""
        self.emit(ElicitationCompleted(server=server, elicitation_id=elicitation_id))
