"""The conversation in OpenAI tool-calling format, as Pydantic models.

ChatContext keeps these; SessionManager only tracks the same traffic for tokens,
cost and segments (see shared/reference/session-manager-integration.md).
"""

from __future__ import annotations

import json
import time
import uuid
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr


class MessageRole(str, Enum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class ToolCall(BaseModel):
    """One call the model asked for; `arguments` stays the raw JSON string it sent."""

    id: str
    name: str
    arguments: str = "{}"

    def parsed_arguments(self) -> dict[str, Any]:
        """The arguments as a dict; raises ValueError when they are not a JSON object."""
        value = json.loads(self.arguments or "{}")
        if not isinstance(value, dict):
            raise ValueError("tool arguments must be a JSON object")
        return value

    def wire_arguments(self) -> str:
        """What providers accept back: valid JSON. Unparseable arguments go out as "{}";
        the tool message already told the model what was wrong with them."""
        try:
            json.loads(self.arguments or "{}")
        except ValueError:
            return "{}"
        return self.arguments or "{}"

    def to_llm(self) -> dict[str, Any]:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.wire_arguments()}}


class ImagePart(BaseModel):
    """An image a tool returned for the model: sent to models that see images, after the
    tool messages of its round (a tool message cannot carry one)."""

    mime_type: str
    data: str  # base64, as the server sent it

    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.data}"


class Message(BaseModel):
    role: MessageRole
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    # Ours only, never sent: marks an answer stopped by the user or cut by the provider,
    # and when the message was added (for the segment browser's time ranges).
    interrupted: bool = False
    stop_reason: str | None = None  # the provider's finish_reason when it cut the answer ("length")
    reasoning: str | None = None  # the model's thinking, kept; sent back only where a provider needs it
    refusal: str | None = None  # the model declined (OpenAI's refusal): sent back as the content
    images: list[ImagePart] = Field(default_factory=list)  # a tool message's images for the model
    outcome: str | None = None  # a tool message's ending (done, error, failed, timeout, denied, cancelled, …): its chip on resume
    at: float = Field(default_factory=time.time)
    # (encoding, tokens) as sent: counted once, by the context meter
    _tokens: tuple[str, int] | None = PrivateAttr(default=None)

    def to_llm(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"role": self.role.value}
        if self.role is MessageRole.ASSISTANT:
            # Some servers' templates fail on a missing content: send "" rather than drop it.
            msg["content"] = self.content or self.refusal or ""
            if self.tool_calls:
                msg["tool_calls"] = [tc.to_llm() for tc in self.tool_calls]
        else:
            msg["content"] = self.content or ""
        if self.role is MessageRole.TOOL:
            msg["tool_call_id"] = self.tool_call_id
            if self.name:
                msg["name"] = self.name
        return msg


# finish_reason values that mean the provider ended the answer before the model did
_STOP_NOTES = {
    "length": "the answer was cut at the model's output limit (finish_reason: length)",
    "content_filter": "the answer was stopped by the provider's content filter (finish_reason: content_filter)",
}


_STOP_HINTS = {
    "length": 'The answer hit the output limit: say "go on" for the rest, or ask for a shorter answer.',
    "content_filter": "The provider's filter stopped the answer: rephrase the request, or ask another model.",
}


def stop_note(finish_reason: str | None) -> str | None:
    """What to tell the user about an answer the provider cut; None for a complete one."""
    return _STOP_NOTES.get(finish_reason or "")


def stop_hint(note: str | None) -> str:
    """What to do next about a cut answer, from its note."""
    return next((hint for reason, hint in _STOP_HINTS.items() if note and reason in note), "")


class HistoryError(ValueError):
    """The message list would be rejected by an OpenAI-format provider."""


class ConversationHistory(BaseModel):
    messages: list[Message] = Field(default_factory=list)

    def add_user_message(self, content: str) -> Message:
        return self._add(Message(role=MessageRole.USER, content=content))

    def add_assistant_message(
        self,
        content: str | None,
        tool_calls: list[ToolCall] | None = None,
        *,
        interrupted: bool = False,
        stop_reason: str | None = None,
        reasoning: str | None = None,
        refusal: str | None = None,
    ) -> Message:
        return self._add(
            Message(
                role=MessageRole.ASSISTANT,
                content=content,
                tool_calls=list(tool_calls or []),
                interrupted=interrupted or stop_reason is not None,
                stop_reason=stop_reason,
                reasoning=reasoning or None,
                refusal=refusal or None,
            )
        )

    def add_tool_response(
        self, tool_call_id: str, content: str, name: str | None = None, outcome: str | None = None, images: list[ImagePart] | None = None
    ) -> Message:
        return self._add(Message(role=MessageRole.TOOL, tool_call_id=tool_call_id, content=content, name=name, outcome=outcome, images=images or []))

    def set_system_prompt(self, prompt: str | None) -> None:
        self.messages = [m for m in self.messages if m.role is not MessageRole.SYSTEM]
        if prompt:
            self.messages.insert(0, Message(role=MessageRole.SYSTEM, content=prompt))

    def clear(self, keep_system_prompt: bool = True) -> None:
        self.messages = [m for m in self.messages if keep_system_prompt and m.role is MessageRole.SYSTEM]

    def get_messages_for_llm(self) -> list[dict[str, Any]]:
        return [m.to_llm() for m in self.messages]

    def tool_call_ids(self) -> set[str]:
        """Every tool-call id in the history (all segments)."""
        return {tc.id for m in self.messages for tc in m.tool_calls}

    def renumber_repeated_call_ids(self) -> int:
        """Give each repeated tool-call id a fresh one, and the tool message answering it too.
        Histories saved before ids were made unique can repeat them; sent as they are, the
        provider would refuse the resumed chat. Returns how many were renamed."""
        used: set[str] = set()
        waiting: dict[str, list[str]] = {}  # old id -> new ids not yet answered, in call order
        renamed = 0
        for message in self.messages:
            if message.role is MessageRole.ASSISTANT and message.tool_calls:
                waiting = {}
                for tc in message.tool_calls:
                    new = unique_call_id(tc.id, used)
                    waiting.setdefault(tc.id, []).append(new)
                    renamed += new != tc.id
                    tc.id = new
                    used.add(new)
            elif message.role is MessageRole.TOOL and waiting.get(message.tool_call_id or ""):
                message.tool_call_id = waiting[message.tool_call_id or ""].pop(0)
        return renamed

    def pending_tool_call_ids(self) -> list[str]:
        """Ids of the last assistant message's calls that have no tool message yet."""
        for index in range(len(self.messages) - 1, -1, -1):
            msg = self.messages[index]
            if msg.role is MessageRole.ASSISTANT and msg.tool_calls:
                answered = {m.tool_call_id for m in self.messages[index + 1 :] if m.role is MessageRole.TOOL}
                return [tc.id for tc in msg.tool_calls if tc.id not in answered]
            if msg.role in (MessageRole.USER, MessageRole.ASSISTANT):
                return []
        return []

    def validate_sequence(self) -> None:
        """Raise HistoryError unless every tool_call is followed by exactly one tool message."""
        validate_llm_messages(self.get_messages_for_llm())

    def _add(self, message: Message) -> Message:
        self.messages.append(message)
        return message


def unique_call_id(proposed: str, used: set[str]) -> str:
    """`proposed`, or a fresh id when it is empty or already in `used`: some providers number
    calls 0, 1, … per message, and Anthropic-style APIs refuse a history repeating an id."""
    if proposed and proposed not in used:
        return proposed
    return f"call_{uuid.uuid4().hex[:16]}"


def validate_llm_messages(messages: list[dict[str, Any]]) -> None:
    """Check OpenAI's rule on a wire-format list: tool messages answer the calls just before them,
    and no tool-call id appears twice in the list.

    Shared by ChatContext and the tests that inspect what the provider received.
    """
    pending: list[str] = []
    seen: set[str] = set()
    for position, msg in enumerate(messages):
        role = msg.get("role")
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if call_id not in pending:
                raise HistoryError(f"message {position}: tool message for unknown or answered call {call_id!r}")
            pending.remove(call_id)
            continue
        if pending:
            raise HistoryError(f"message {position}: calls {pending} have no tool message")
        if role == "assistant":
            ids = [tc["id"] for tc in msg.get("tool_calls") or []]
            if len(ids) != len(set(ids)):
                raise HistoryError(f"message {position}: duplicate tool_call ids")
            if reused := seen.intersection(ids):
                raise HistoryError(f"message {position}: tool_call ids {sorted(reused)} were used earlier in the history")
            seen.update(ids)
            pending = ids
    if pending:
        raise HistoryError(f"calls {pending} have no tool message")
