"""What the token accounting needs to know about a model: its context window and its price.

Prices are the providers' published list prices in USD per 1M tokens, as of 2025-10, for
the base tier (Gemini and Claude charge more for very long prompts; batch and priority
tiers are ignored). A model that is not in the table gets NO price, never a default rate:
a wrong number looks like a fact. Models that run here (FREE_PROVIDERS, tokens.FREE_MODELS)
get a zero price (so do OpenRouter's ":free" ones), so a caller can tell "free" from "unknown".
"""

from __future__ import annotations

import functools
import logging
import re

from pydantic import BaseModel, ConfigDict

from mcp_tui.store import tokens

log = logging.getLogger(__name__)
FREE_PROVIDERS = frozenset({"demo", "ollama", "llamacpp"})


class Price(BaseModel):
    """USD per 1M tokens; cached_input None means cached reads cost as much as input."""

    model_config = ConfigDict(frozen=True)
    input: float
    cached_input: float | None = None
    output: float

    def cost(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
        cached = max(0, min(cached_tokens, prompt_tokens))  # cached tokens are part of the prompt
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return ((prompt_tokens - cached) * self.input + cached * cached_rate + completion_tokens * self.output) / 1e6


FREE = Price(input=0.0, output=0.0)

# name: (context window, input, cached input, output)
_M = 1_048_576
TABLE: dict[str, tuple[int, float, float | None, float]] = {
    # OpenAI
    "gpt-4o": (128_000, 2.50, 1.25, 10.00),
    "gpt-4o-2024-05-13": (128_000, 5.00, None, 15.00),  # the first snapshot kept its launch price
    "chatgpt-4o": (128_000, 5.00, None, 15.00),
    "gpt-4o-mini": (128_000, 0.15, 0.075, 0.60),
    "gpt-4.1": (1_047_576, 2.00, 0.50, 8.00),
    "gpt-4.1-mini": (1_047_576, 0.40, 0.10, 1.60),
    "gpt-4.1-nano": (1_047_576, 0.10, 0.025, 0.40),
    "gpt-5": (400_000, 1.25, 0.125, 10.00),
    "gpt-5.1": (400_000, 1.25, 0.125, 10.00),
    "gpt-5-mini": (400_000, 0.25, 0.025, 2.00),
    "gpt-5-nano": (400_000, 0.05, 0.005, 0.40),
    "gpt-5-pro": (400_000, 15.00, None, 120.00),
    "o1": (200_000, 15.00, 7.50, 60.00),
    "o1-mini": (128_000, 1.10, 0.55, 4.40),
    "o1-pro": (200_000, 150.00, None, 600.00),
    "o3": (200_000, 2.00, 0.50, 8.00),
    "o3-mini": (200_000, 1.10, 0.55, 4.40),
    "o3-pro": (200_000, 20.00, None, 80.00),
    "o4-mini": (200_000, 1.10, 0.275, 4.40),
    "gpt-4-turbo": (128_000, 10.00, None, 30.00),
    "gpt-3.5-turbo": (16_385, 0.50, None, 1.50),
    # Anthropic (cached = cache reads; cache writes cost more and are not modelled)
    "claude-3-5-haiku": (200_000, 0.80, 0.08, 4.00),
    "claude-3-5-sonnet": (200_000, 3.00, 0.30, 15.00),
    "claude-3-7-sonnet": (200_000, 3.00, 0.30, 15.00),
    "claude-sonnet-4": (200_000, 3.00, 0.30, 15.00),
    "claude-sonnet-4-5": (200_000, 3.00, 0.30, 15.00),
    "claude-opus-4": (200_000, 15.00, 1.50, 75.00),
    "claude-opus-4-1": (200_000, 15.00, 1.50, 75.00),
    "claude-opus-4-5": (200_000, 5.00, 0.50, 25.00),
    "claude-haiku-4-5": (200_000, 1.00, 0.10, 5.00),
    # Google (prompts up to 128k / 200k tokens)
    "gemini-1.5-pro": (2_097_152, 1.25, 0.3125, 5.00),
    "gemini-1.5-flash": (_M, 0.075, 0.01875, 0.30),
    "gemini-2.0-flash": (_M, 0.10, 0.025, 0.40),
    "gemini-2.0-flash-lite": (_M, 0.075, None, 0.30),
    "gemini-2.5-pro": (_M, 1.25, 0.31, 10.00),
    "gemini-2.5-flash": (_M, 0.30, 0.075, 2.50),
    "gemini-2.5-flash-lite": (_M, 0.10, 0.025, 0.40),
    # DeepSeek (V3.2 prices; cached = cache hit)
    "deepseek-chat": (128_000, 0.28, 0.028, 0.42),
    "deepseek-reasoner": (128_000, 0.28, 0.028, 0.42),
    # Mistral
    "mistral-large": (131_072, 2.00, None, 6.00),
    "mistral-small": (131_072, 0.10, None, 0.30),
    "codestral": (262_144, 0.30, None, 0.90),
    # Groq
    "llama-3.1-8b-instant": (131_072, 0.05, None, 0.08),
    "llama-3.3-70b-versatile": (131_072, 0.59, None, 0.79),
}

_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|latest)$")  # dates, -001, -2411 (YYMM)
# A prefix is not the model when what follows is a newer version ("claude-opus-4" + "-6")
# or a variant priced apart: better no price than a wrong one.
_OTHER_MODEL = re.compile(r"[-.]\d|.*\b(pro|mini|nano|lite|instruct|realtime|audio|search|transcribe|tts|image|deep-research)\b")


@functools.lru_cache(maxsize=512)
def canonical_name(model: str | None) -> str | None:
    """The table's name for `model`: exact, then without its date, then the longest prefix."""
    name = (model or "").strip().lower().rsplit("/", 1)[-1]
    if name.startswith("claude"):
        name = name.replace(".", "-")  # OpenRouter spells claude-3.5-sonnet
    if name in TABLE:
        return name
    while (bare := _SUFFIX.sub("", name)) != name:
        name = bare
    for key in sorted((k for k in TABLE if name.startswith(k)), key=len, reverse=True):
        rest = name[len(key):]
        if not rest or (rest[0] in "-.:@_" and not _OTHER_MODEL.match(rest)):
            return key
    return None


def is_free(provider: str | None, model: str | None) -> bool:
    model = (model or "").lower()
    return (provider or "").lower() in FREE_PROVIDERS or model in tokens.FREE_MODELS or model.endswith(":free")


def price_for(provider: str | None, model: str | None) -> Price | None:
    if is_free(provider, model):
        return FREE
    key = canonical_name(model)
    if key is None:
        return None
    _, inp, cached, out = TABLE[key]
    return Price(input=inp, cached_input=cached, output=out)


def context_window(provider: str | None, model: str | None) -> int | None:
    """Our table, then what chuk-llm's configuration says (0.20.1 ships none; a user's can)."""
    key = canonical_name(model)
    if key is not None:
        return TABLE[key][0]
    if not provider or not model:
        return None
    try:
        from chuk_llm.configuration import get_config

        return get_config().get_provider(provider).get_model_capabilities(model).max_context_length
    except Exception:  # unknown provider, or a config chuk-llm cannot read
        log.debug("no context window for %s/%s", provider, model, exc_info=True)
        return None


def reply_room(window: int) -> int:
    # An eighth of the window, at least 1k (a short answer) and at most 16k (a long answer or
    # a reasoning model's thinking); never over half, so a small local window still holds a prompt.
    return min(max(window // 8, 1024), 16_384, window // 2)
