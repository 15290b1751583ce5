import pytest

from mcp_tui.models.events import TextDelta, ToolCallFailed, UsageUpdated, parse_event
from mcp_tui.models.messages import (
    ConversationHistory,
    HistoryError,
    MessageRole,
    ToolCall,
    validate_llm_messages,
)
from mcp_tui.models.usage import RequestUsage, TokenUsageStats


def test_assistant_tool_calls_then_tool_messages_is_valid():
    h = ConversationHistory()
    h.set_system_prompt("sys")
    h.add_user_message("hi")
    h.add_assistant_message(None, [ToolCall(id="a", name="t__x", arguments=""), ToolCall(id="b", name="t__y")])
    assert h.pending_tool_call_ids() == ["a", "b"]
    h.add_tool_response("b", "2", "t__y")
    h.add_tool_response("a", "1", "t__x")
    h.validate_sequence()
    wire = h.get_messages_for_llm()
    assert wire[0] == {"role": "system", "content": "sys"}
    assert wire[2]["content"] == "" and wire[2]["tool_calls"][0]["function"]["arguments"] == "{}"
    assert wire[3] == {"role": "tool", "content": "2", "tool_call_id": "b", "name": "t__y"}
    assert h.pending_tool_call_ids() == []


def test_missing_tool_message_is_invalid():
    h = ConversationHistory()
    h.add_user_message("hi")
    h.add_assistant_message("", [ToolCall(id="a", name="x")])
    with pytest.raises(HistoryError):
        h.validate_sequence()
    h.add_user_message("next")
    with pytest.raises(HistoryError, match="no tool message"):
        h.validate_sequence()


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "tool", "tool_call_id": "x", "content": ""}],
        [
            {"role": "assistant", "content": "", "tool_calls": [{"id": "a"}]},
            {"role": "tool", "tool_call_id": "a", "content": ""},
            {"role": "tool", "tool_call_id": "a", "content": ""},
        ],
        [{"role": "assistant", "content": "", "tool_calls": [{"id": "a"}, {"id": "a"}]}],
    ],
)
def test_validate_rejects_orphan_duplicate_and_repeated_answers(messages):
    with pytest.raises(HistoryError):
        validate_llm_messages(messages)


def test_interrupted_flag_is_not_sent():
    h = ConversationHistory()
    m = h.add_assistant_message("partial", interrupted=True)
    assert m.interrupted and m.role is MessageRole.ASSISTANT
    assert h.get_messages_for_llm() == [{"role": "assistant", "content": "partial"}]


def test_arguments_must_be_an_object():
    assert ToolCall(id="1", name="n", arguments='{"a": 1}').parsed_arguments() == {"a": 1}
    for bad in ("[1]", "{not json", '"s"'):
        with pytest.raises(ValueError):
            ToolCall(id="1", name="n", arguments=bad).parsed_arguments()


@pytest.mark.parametrize("used,approaching,exceeded", [(79, False, False), (80, True, False), (99, True, False), (100, True, True)])
def test_gauge_limits(used, approaching, exceeded):
    stats = TokenUsageStats(context_tokens=used * 1000)
    assert stats.approaching_limit(100_000) is approaching
    assert stats.exceeded_limit(100_000) is exceeded


def test_totals_say_where_they_come_from():
    stats = TokenUsageStats()
    stats.add(RequestUsage(prompt_tokens=100, completion_tokens=10, cached_tokens=40, reported=True, cost=0.5))
    assert (stats.total_tokens, stats.totals_source, stats.cost_text()) == (110, "provider", "$0.5000")
    assert stats.totals_text(stats.total_tokens) == "110"
    stats.add(RequestUsage(prompt_tokens=50, completion_tokens=5, cost=None))  # estimated, and no price
    assert (stats.requests, stats.reported_requests, stats.cached_tokens) == (2, 1, 40)
    assert stats.totals_source == "mixed" and stats.totals_text(stats.total_tokens) == "~165"
    assert stats.cost is None and stats.cost_text() == "no price"
    since = stats.minus(TokenUsageStats(requests=1, reported_requests=1, prompt_tokens=100, completion_tokens=10, cached_tokens=40))
    assert (since.total_tokens, since.totals_source) == (55, "estimate")


def test_usage_of_older_session_files_reads_as_estimates():
    old = TokenUsageStats.model_validate({"total_tokens": 12, "prompt_tokens": 8, "completion_tokens": 4, "estimated_cost": 0.5, "segment_tokens": 7, "segments": 3})
    assert (old.context_tokens, old.cost, old.segments, old.totals_source) == (7, 0.5, 3, "estimate")
    assert old.cost_text() == "~$0.5000"


def test_events_round_trip_as_json_lines():
    for event in (
        TextDelta(text="[bold]x\x1b[31m"),
        ToolCallFailed(call_id="c", server="s", tool="t", qualified_name="s__t", kind="timeout", error="late"),
        UsageUpdated(usage=TokenUsageStats(prompt_tokens=5, context_tokens=9, context_source="provider"), threshold=10),
    ):
        line = event.model_dump_json()
        assert "\n" not in line
        assert parse_event(line) == event
