"""An answer from the server that the SDK could not parse, turned into an error reply to the
request it answers. The SDK only logs such a message and drops it, so the request would wait
for its whole timeout; with the reply its caller fails at once, saying why."""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from mcp_tui.servers.errors import UNREADABLE, validation_summary

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*(:?)|[{}\[\]]')  # strings (keys end in ':') and brackets
_ID_VALUE = re.compile(r'\s*(-?\d+|"(?:[^"\\]|\\.)*")')
_RESPONSE_KEYS = {"result", "error"}


def error_reply(item: Exception) -> SessionMessage | None:
    """The error reply for the request this unparsable message answers; None when it is not
    recognisably a response (then nothing waits on it, or we cannot tell what does)."""
    if not isinstance(item, ValidationError):
        return None
    found = _response_id(item)
    if found is None:
        return None
    request_id, reason = found
    error = types.ErrorData(code=types.PARSE_ERROR, message=f"{UNREADABLE}: {reason}")
    return SessionMessage(types.JSONRPCError(jsonrpc="2.0", id=request_id, error=error))


def is_unreadable(error: types.ErrorData) -> bool:
    return error.code == types.PARSE_ERROR and error.message.startswith(UNREADABLE)


def _response_id(exc: ValidationError) -> tuple[Any, str] | None:
    details = exc.errors()
    for detail in details:
        whole = detail.get("input")
        if detail["type"] == "json_invalid" and isinstance(whole, (str, bytes)):
            text = whole.decode(errors="replace") if isinstance(whole, bytes) else whole
            request_id = _id_in_text(text)
            return None if request_id is None else (request_id, detail["msg"])
        if isinstance(whole, dict) and "jsonrpc" in whole:  # valid JSON, not a valid message
            if "id" not in whole or "method" in whole or not _RESPONSE_KEYS & whole.keys():
                return None
            arm = "JSONRPCResponse" if "result" in whole else "JSONRPCError"
            why = [d for d in details if d["loc"][:1] == (arm,)] or details
            return whole["id"], f"not a valid JSON-RPC answer ({validation_summary(why, skip=1)})"
    return None


def _id_in_text(text: str) -> Any:
    """The top-level "id" of a response in text that is not valid JSON (often cut off): only
    keys at depth 1 count, so an "id" inside the result is never taken for it."""
    depth, keys, request_id = 0, set(), None
    for token in _TOKEN.finditer(text):
        mark = token.group(0)
        if mark in ("{", "["):
            depth += 1
        elif mark in ("}", "]"):
            depth -= 1
        elif token.group(1) and depth == 1:
            key = mark[1 : mark.rindex('"')]
            keys.add(key)
            if key == "id":
                value = _ID_VALUE.match(text, token.end())
                request_id = json.loads(value.group(1)) if value else None
        if "method" in keys:
            return None  # a request or notification from the server, not an answer
        if request_id is not None and _RESPONSE_KEYS & keys:
            return request_id
    return None


def summary(exc: ValidationError) -> str:
    return f"{UNREADABLE}: not a valid {exc.title} ({validation_summary(exc.errors())})"
