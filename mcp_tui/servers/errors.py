"""One readable reason from whatever the mcp SDK raised (often nested ExceptionGroups)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

UNREADABLE = "the server's answer could not be read"


def validation_summary(details: list[Any], limit: int = 3, *, skip: int = 0) -> str:
    """'content: Input should be a valid list; isError: …' from a ValidationError's errors();
    `skip` drops leading loc parts (a union's arm name)."""
    parts = [f"{'.'.join(str(p) for p in d['loc'][skip:]) or 'message'}: {d['msg']}" for d in details[:limit]]
    more = len(details) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaves(inner)
    else:
        yield exc


def _rank(exc: BaseException) -> int:
    # The root cause beats the noise it causes (closed streams, cancellations).
    if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
        return 0
    if isinstance(exc, MCPError) and exc.code == types.CONNECTION_CLOSED:
        return 2
    if type(exc).__name__ in ("ClosedResourceError", "BrokenResourceError", "EndOfStream"):
        return 1
    return 3


def root_cause(exc: BaseException) -> BaseException:
    return max(leaves(exc), key=_rank, default=exc)


def is_connection_closed(exc: BaseException) -> bool:
    return _rank(exc) in (1, 2)


def http_reason(exc: BaseException, url: str | None) -> str | None:
    """Reasons for httpx2 failures, without importing it (it is heavy and optional here)."""
    name = type(exc).__name__
    response = getattr(exc, "response", None)
    if name == "HTTPStatusError" and response is not None:
        return f"HTTP {response.status_code} {getattr(response, 'reason_phrase', '')} from {url}".replace("  ", " ")
    if name in ("ConnectError", "ConnectTimeout"):
        return f"cannot connect to {url}: {exc or name}"
    if name.endswith("Timeout") or name == "ReadError":
        return f"{name} talking to {url}"
    return None


def describe(exc: BaseException, *, command: str | None = None, cwd: str | None = None, url: str | None = None) -> str:
    exc = root_cause(exc)
    if isinstance(exc, FileNotFoundError):
        if cwd and exc.filename == cwd:
            return f"working directory not found: {cwd}"
        return f"command not found: {command or exc.filename}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or command}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, MCPError):
        if exc.code == types.CONNECTION_CLOSED:
            return "connection closed"
        return f"server error {exc.code}: {exc.error.message}"
    reason = http_reason(exc, url)
    if reason:
        return reason
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
