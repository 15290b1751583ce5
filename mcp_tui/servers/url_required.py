"""A tool call refused with -32042 (URL elicitation required): the server needs the user to do
something in the browser first (sign in, pay…). Each URL it names is put to the host as a URL
elicitation (the TUI shows it; headless, --elicit answers); when every one was accepted the
call is made once more, else it fails saying which URL was not opened and why.
"""

from __future__ import annotations

import logging
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from mcp_tui.servers.client_host import ClientHost
from mcp_tui.servers.user_wait import UserWait
from mcp_tui.text import safe_text

log = logging.getLogger(__name__)


def elicitations(exc: MCPError) -> list[types.ElicitRequestURLParams]:
    """The URL elicitations a -32042 error carries; [] when it is not one (or unreadable)."""
    if exc.code != types.URL_ELICITATION_REQUIRED:
        return []
    try:
        return types.ElicitationRequiredErrorData.model_validate(exc.data).elicitations
    except ValidationError:
        log.warning("a -32042 error without readable elicitations: %r", exc.data)
        return []


async def ask_first(host: ClientHost, server: str, wait: UserWait, asked: list[types.ElicitRequestURLParams]) -> str | None:
    """Put each URL to the host; None when all were accepted (the call may go again), else
    what the model is told."""
    for params in asked:
        with wait.asking():
            answer: Any = await host.elicit(server, params)
        action = getattr(answer, "action", "decline")
        if action != "accept":
            return (f"{safe_text(server)} needs a step in the browser first ({safe_text(params.message)}): "
                    f"{safe_text(params.url)} was not opened ({action}). Tell the user to open it, then call the tool again.")
    return None
