"""Widgets for saved messages (resume, /load, turns pruned and brought back): each answer,
call and roll drawn as it ended, with the time it was said."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from mcp_tui.engine.mcp_input import split_attachments
from mcp_tui.engine.tool_outcome import chip_detail, outcome_of
from mcp_tui.servers.naming import shown_name
from mcp_tui.ui.widgets.attachment import AttachmentChip
from mcp_tui.ui.widgets.chat import AssistantMessage, ErrorNote, InfoNote, SavedAnswer, ToolChip, UserMessage
from mcp_tui.ui.widgets.thinking import ThinkingBlock

Resolve = Callable[[str], "tuple[str, str] | None"]  # qualified tool name → (server, tool) when a server has it
Rolls = dict  # id(first message of a later segment), or None for "after the last one" → (number, summary)


def roll_note(segment: int, summary: str, why: str = "") -> InfoNote:
    summary = summary if len(summary) <= 400 else summary[:400] + "…"
    return InfoNote(Text(f"Rolled into segment {segment}{why}. The summary kept: {summary}"), "segments")


def context_rolls(context) -> Rolls:
    """Where each roll of a live (or resumed) context began its segment."""
    history = context.history.messages
    starts = [history[i] if i < len(history) else None for i in context.segment_starts[1:]]  # None: nothing said since
    return _rolls(starts, context.summaries)


def record_rolls(record) -> Rolls:
    """The same from a session file's marks (drawn before the engine is up)."""
    saved = [m for m in record.messages if m.role.value != "system"]
    starts = [saved[int(s.get("start", 0))] if int(s.get("start", 0)) < len(saved) else None for s in record.segments]
    return _rolls(starts, [str(s.get("summary", "")) for s in record.segments])


def _rolls(starts: list, summaries: list[str]) -> Rolls:
    return {id(first) if first is not None else None: (number, summary) for number, (first, summary) in enumerate(zip(starts, summaries), start=2)}


def tool_messages(messages) -> dict:
    return {m.tool_call_id: m for m in messages if m.role.value == "tool"}


def saved_chip(call, result, resolve: Resolve) -> ToolChip:
    """A saved call's chip, in the state its tool message tells, named as live ones are."""
    chip = ToolChip(call.id, shown_name(call.name, resolve(call.name)))
    state = outcome_of(result)
    chip.set_state(state, chip_detail(state, result.content if result is not None else ""))
    return chip


def history_widgets(messages, *, label: str, light: bool, results: dict, rolls: Rolls, resolve: Resolve) -> list:
    """`light`: answers as one Rich renderable each (thousands mount in a second)."""
    widgets = []
    for message in messages:
        if id(message) in rolls:  # a roll's note comes back with the messages it began
            widgets.append(roll_note(*rolls[id(message)]))
        if message.role.value == "user":
            typed, attached = split_attachments(message.content or "")  # resources sent with it: chips
            widgets += [UserMessage(typed, at=message.at), *(AttachmentChip(label) for label in attached)]
        elif message.role.value == "assistant":
            if message.reasoning:
                widgets.append(ThinkingBlock(message.reasoning))
            if message.refusal and not message.content:
                widgets.append(ErrorNote(f"The model declined to answer: {message.refusal}", ""))
            if message.content:
                answer = SavedAnswer if light else AssistantMessage
                widgets.append(answer(label, message.content, interrupted=message.interrupted, at=message.at))
            for call in message.tool_calls:
                widgets.append(saved_chip(call, results.get(call.id), resolve))
    return widgets
