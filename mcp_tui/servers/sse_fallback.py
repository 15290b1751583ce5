"""An SSE server configured without `"type": "sse"`: found and talked to over SSE.

A `url` without a type means streamable HTTP. An older server that speaks only the HTTP+SSE
transport answers the POST of `initialize` with a 4xx (404, 405, 400), which the SDK reports as
-32601 / -32603 with no word about SSE. The spec's backwards-compatibility procedure: after
such a failure, GET the URL; an SSE stream whose first event is `endpoint` is the old
transport, so connect with SSE instead (for this session; the log says to add the type).
"""

from __future__ import annotations

import logging

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError

from mcp_tui.config.models import ServerConfig
from mcp_tui.servers import errors

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0
_REFUSED_POST = (types.METHOD_NOT_FOUND, types.INTERNAL_ERROR, types.INVALID_REQUEST)  # how the SDK spells a 4xx


class SwitchToSSE(Exception):
    """Raised out of a failed streamable-HTTP start: the same URL answered as an SSE server."""


def _post_refused(exc: BaseException) -> bool:
    root = errors.root_cause(exc)
    if isinstance(root, MCPError):
        return root.code in _REFUSED_POST
    response = getattr(root, "response", None)  # httpx2.HTTPStatusError, without importing it
    return type(root).__name__ == "HTTPStatusError" and response is not None and 400 <= response.status_code < 500


async def answers_as_sse(url: str, headers: dict[str, str] | None) -> bool:
    """True when a GET of `url` opens an SSE stream whose first event is `endpoint`."""
    import httpx2

    try:
        with anyio.fail_after(PROBE_TIMEOUT):
            async with httpx2.AsyncClient(headers=headers or None, timeout=PROBE_TIMEOUT) as client:
                async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
                    if response.status_code != 200 or not response.headers.get("content-type", "").startswith("text/event-stream"):
                        return False
                    async for line in response.aiter_lines():
                        if line.startswith("event:"):
                            return line.partition(":")[2].strip() == "endpoint"
                        if line.startswith("data:"):
                            return False  # an unnamed first event: not the old transport's greeting
    except Exception as exc:  # TimeoutError, connection errors: not an SSE server we can use
        log.debug("SSE probe of %s failed: %s", url, errors.describe(exc))
    return False


async def check(config: ServerConfig, exc: BaseException) -> ServerConfig | None:
    """The config to retry with (SSE) when a streamable-HTTP start failed as an SSE server would."""
    if config.transport != "http" or not config.url or not _post_refused(exc):
        return None
    if not await answers_as_sse(config.url, config.headers):
        return None
    log.warning(
        'server %s: %s answers as an SSE server (the older transport), so it is used over SSE; add "type": "sse" to its config',
        config.name, config.url,
    )
    return config.model_copy(update={"transport": "sse"})


def switched(exc: BaseException) -> bool:
    return any(isinstance(e, SwitchToSSE) for e in errors.leaves(exc))

