"""Model facts (window, price) and token counting per model's encoding, all offline."""

import pytest

from mcp_tui.store import tokens
from mcp_tui.store.model_facts import FREE, Price, canonical_name, context_window, price_for, reply_room
from mcp_tui.store.tokens import count_message_tokens, count_tokens, count_tools_tokens, encoding_name_for


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # longest prefix, not gpt-4o
        ("openai/gpt-4.1-mini", "gpt-4.1-mini"),
        ("claude-sonnet-4-20250514", "claude-sonnet-4"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("mistral-large-latest", "mistral-large"),
        ("gemini-2.0-flash-001", "gemini-2.0-flash"),
        ("GPT-4O", "gpt-4o"),
        ("claude-opus-4-6", None),  # a newer version is another model
        ("gpt-4o-realtime-preview", None),  # priced apart
        ("gpt-4", None),
    ],
)
def test_name_matching(name, key):
    assert canonical_name(name) == key


def test_unknown_model_has_no_price():
    assert price_for("openai", "no-such-model") is None
    assert price_for("openai", None) is None


def test_free_models_cost_zero(monkeypatch):
    monkeypatch.setattr(tokens, "FREE_MODELS", set())
    assert price_for("ollama", "llama3.2") == FREE
    assert price_for("demo", "guide").cost(1000, 1000) == 0.0
    assert price_for("openai", "smollm2-local") is None
    tokens.mark_free("SmolLM2-local")
    assert price_for("openai", "smollm2-local") == FREE


def test_cost_with_cached_tokens():
    price = price_for("openai", "gpt-4o-2024-08-06")
    assert price == Price(input=2.50, cached_input=1.25, output=10.00)
    # 600 fresh + 400 cached prompt tokens, 500 completion tokens
    assert price.cost(1000, 500, cached_tokens=400) == pytest.approx((600 * 2.5 + 400 * 1.25 + 500 * 10) / 1e6)
    no_cache_rate = Price(input=1.0, output=2.0)
    assert no_cache_rate.cost(1000, 0, cached_tokens=400) == pytest.approx(1000 / 1e6)


def test_o200k_counts_exactly():
    assert encoding_name_for("openai/gpt-4o") == "o200k_base"
    assert tokens._encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert count_tokens("日本語のテキストです。", "gpt-4o") == 8  # cl100k_base: 10
    assert count_tokens("Привет, мир!", "gpt-5-mini") == 5  # cl100k_base: 7


@pytest.mark.parametrize("model", ["gpt-4.1-nano", "gpt-5-mini", "o1", "o3-mini", "o4-mini", "chatgpt-4o-latest", "azure/gpt-4o"])
def test_o200k_families(model):
    assert encoding_name_for(model) == "o200k_base"


@pytest.mark.parametrize("model", [None, "", "gpt-4-turbo", "gpt-3.5-turbo", "claude-3-5-sonnet", "llama3.2", "olmo-2"])
def test_cl100k_otherwise(model):
    assert encoding_name_for(model) == "cl100k_base"
    assert count_tokens("hello world", model) == 2 and count_tokens("日本語のテキストです。", model) == 10


def test_message_counting():
    call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "time__now", "arguments": '{"tz":"Asia/Tokyo"}'}}],
    }
    json_of_call = '{"name":"time__now","arguments":"{\\"tz\\":\\"Asia/Tokyo\\"}"}'
    assert count_message_tokens(call, "gpt-4o") == 3 + count_tokens("assistant", "gpt-4o") + count_tokens(json_of_call, "gpt-4o")
    parts = {"role": "user", "content": [{"type": "text", "text": "hello world"}, {"type": "image_url", "image_url": {"url": "x"}}]}
    assert count_message_tokens(parts, "gpt-4o") == 3 + 1 + 2  # 3 per message, "user", "hello world"
    named = {"role": "user", "name": "ann", "content": "hello world"}
    assert count_message_tokens(named, None) == 3 + 1 + (count_tokens("ann") + 1) + 2
    assert tokens.REPLY_PRIMING == 3


def test_tools_tokens_grow_with_the_schema():
    tool = {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}
    bigger = {"type": "function", "function": {"name": "now", "description": "The current time in a time zone",
                                               "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}}}}
    assert count_tools_tokens([], "gpt-4o") == 0
    assert 0 < count_tools_tokens([tool], "gpt-4o") < count_tools_tokens([bigger], "gpt-4o")
    assert count_tools_tokens([tool, bigger], "gpt-4o") > count_tools_tokens([bigger], "gpt-4o")


def test_context_window():
    assert context_window("openai", "gpt-4o") == 128_000
    assert context_window("openai", "gpt-4o-mini-2024-07-18") == 128_000
    assert context_window("openai", "no-such-model") is None
    assert context_window("no-such-provider", "no-such-model") is None


def test_reply_room_leaves_room_for_a_prompt():
    for window in (2_048, 8_192, 128_000, 1_048_576):
        assert 0 < reply_room(window) <= window // 2
    assert reply_room(128_000) == 16_000
