"""ProviderError and the classification of what providers fail with.

Our OpenAI client raises the SDK's exceptions (status and headers intact); other chuk-llm
clients report failures only as text ("Error: Error code: 401 - …"), so both are parsed.
"""

from __future__ import annotations

import re
from typing import Literal

from mcp_tui.logsetup import mask_secrets

Kind = Literal["auth", "rate_limit", "server", "connection", "bad_request", "not_found", "context_length", "unknown"]

_TITLES: dict[str, str] = {
    "auth": "The provider refused the API key",
    "rate_limit": "The provider is rate limiting requests",
    "server": "The provider had an internal error",
    "connection": "Could not reach the provider",
    "bad_request": "The provider rejected the request",
    "not_found": "The provider does not know this model or address",
    "context_length": "The request is longer than the model's context window",
    "unknown": "The provider failed",
}


class ProviderError(Exception):
    """A failed LLM request, with what the user should do next in `hint`."""

    def __init__(
        self,
        message: str,
        kind: Kind = "unknown",
        *,
        status: int | None = None,
        retry_after: float | None = None,
        hint: str = "",
    ) -> None:
        self.message = mask_secrets(message)
        self.kind: Kind = kind
        self.status = status
        self.retry_after = retry_after
        self.hint = hint
        self.window: int | None = None  # the context window the provider named, for context_length
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"ProviderError({self.message!r}, kind={self.kind!r}, status={self.status!r})"


def kind_for_status(status: int | None) -> Kind:
    if status in (401, 403):
        return "auth"
    if status == 404:
        return "not_found"
    if status in (408, 409):  # timeouts and conflicts are worth a retry, like outages
        return "server"
    if status == 429:
        return "rate_limit"
    if status is not None and status >= 500:
        return "server"
    if status is not None and 400 <= status < 500:
        return "bad_request"
    return "unknown"


def hint_for(kind: Kind, *, key_env: str | None = None, api_base: str | None = None, retry_after: float | None = None) -> str:
    if kind == "auth":
        env = key_env or "the provider's API key variable"
        return f"Check {env} or pass --api-key."
    if kind == "rate_limit":
        wait = f"Wait {retry_after:g} s" if retry_after else "Wait a little"
        return f"{wait} and ask again, or switch model with --model."
    if kind == "server":
        return "The provider's side failed; ask again in a moment."
    if kind == "connection":
        where = f" and the API base URL ({api_base})" if api_base else " and --api-base"
        return f"Check the network{where}, then ask again."
    if kind == "not_found":
        return "Check the model name (--model) and the API base URL (--api-base)."
    if kind == "context_length":
        return "/compact folds the conversation into a summary; a lower --token-threshold rolls segments sooner."
    if kind == "bad_request":
        return "The request was refused as sent; the details are in the log file."
    return "The details are in the log file (mcp-tui --doctor shows where)."


# How providers word it: OpenAI (and vLLM, llama.cpp, Groq …), Anthropic, Gemini, Mistral, Ollama.
_CONTEXT_LENGTH = re.compile(
    r"context_length_exceeded|maximum context length|context length|context window|prompt is too long|"
    r"too many tokens|input token count.*exceeds|exceeds? the (?:model's )?(?:maximum|context)",
    re.IGNORECASE,
)
_WINDOW = re.compile(r"(?:maximum context length|context (?:length|window)|maximum)[^0-9]{0,20}(\d[\d,]{2,})", re.IGNORECASE)


def _error(kind: Kind, detail: str, status: int | None, retry_after: float | None, **ctx: str | None) -> ProviderError:
    if kind in ("bad_request", "unknown") and _CONTEXT_LENGTH.search(detail):
        kind = "context_length"
    code = f" (HTTP {status})" if status else ""
    detail = detail.strip()
    message = f"{_TITLES[kind]}{code}: {detail}" if detail else f"{_TITLES[kind]}{code}."
    error = ProviderError(message, kind, status=status, retry_after=retry_after, hint=hint_for(kind, retry_after=retry_after, **ctx))
    if kind == "context_length" and (match := _WINDOW.search(detail)):
        error.window = int(match.group(1).replace(",", ""))
    return error


def _retry_after(headers) -> float | None:
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers.get(name)) / divisor
        except (TypeError, ValueError):
            continue
    return None


_CONNECTION_WORDS = ("connection", "connect", "refused", "timed out", "timeout", "network", "unreachable", "name resolution")


def from_exception(exc: BaseException, *, key_env: str | None = None, api_base: str | None = None) -> ProviderError:
    """Classify an exception from the openai SDK (or anything under it)."""
    if isinstance(exc, ProviderError):
        return exc
    ctx = {"key_env": key_env, "api_base": api_base}
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        response = getattr(exc, "response", None)
        detail = getattr(exc, "message", None) or str(exc)
        detail = re.sub(r"^Error code: \d{3} - ", "", detail)
        return _error(kind_for_status(status), detail, status, _retry_after(getattr(response, "headers", None)), **ctx)
    name = type(exc).__name__
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and (isinstance(body.get("status_code"), int) or body.get("type") == "invalid_request_error"):
        # An error event in the middle of a stream (Groq): its body says what HTTP would have.
        status = body["status_code"] if isinstance(body.get("status_code"), int) else 400
        detail = str(body.get("message") or getattr(exc, "message", None) or exc)
        return _error(kind_for_status(status), detail, status, None, **ctx)
    cause = exc.__cause__ or exc.__context__
    if name in ("APIConnectionError", "APITimeoutError") or any(w in str(exc).lower() for w in _CONNECTION_WORDS):
        detail = str(exc)
        if cause is not None and str(cause) and str(cause) not in detail:
            detail = f"{detail.rstrip('.')} ({cause})"
        return _error("connection", detail, None, None, **ctx)
    return _error("unknown", f"{name}: {exc}", None, None, **ctx)


def from_text(text: str, *, key_env: str | None = None, api_base: str | None = None) -> ProviderError:
    """Classify chuk-llm's error chunk text, e.g. "Error: Error code: 429 - {...}"."""
    ctx = {"key_env": key_env, "api_base": api_base}
    body = re.sub(r"^(Streaming error|Error):\s*", "", text or "").strip()
    match = re.search(r"(?:Error code|status(?: code)?)[:= ]+(\d{3})\b", body, re.IGNORECASE)
    if match:
        status = int(match.group(1))
        detail = (body[: match.start()] + body[match.end() :]).strip(" -:()")
        inner = re.search(r"""['"]message['"]:\s*['"]([^'"]*)""", detail)  # the message of a dumped error body
        detail = inner.group(1) if inner else detail
        return _error(kind_for_status(status), detail, status, None, **ctx)
    low = body.lower()
    if "api key" in low or "unauthorized" in low or "authentication" in low:
        return _error("auth", body, None, None, **ctx)
    if "rate limit" in low:
        return _error("rate_limit", body, None, None, **ctx)
    if any(w in low for w in _CONNECTION_WORDS):
        return _error("connection", body, None, None, **ctx)
    return _error("unknown", body, None, None, **ctx)
