"""Images from tool results, on the wire: an OpenAI `tool` message carries text only, so the
images of one round's tool messages follow them in one user message of `image_url` parts
(what chuk-llm passes through; the common practice of clients that do this). Models that do
not see images get only the tool message's placeholder text."""

from __future__ import annotations

from typing import Any

from mcp_tui.models.messages import Message, MessageRole
from mcp_tui.store.tokens import count_message_tokens
from mcp_tui.store.vision import image_tokens

def label(message: Message) -> str:
    count = len(message.images)
    what = "The image" if count == 1 else f"The {count} images"
    return f"{what} returned by tool call {message.tool_call_id} ({message.name or 'tool'}):"


def image_message(messages: list[Message]) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for message in messages:
        parts.append({"type": "text", "text": label(message)})
        parts += [{"type": "image_url", "image_url": {"url": image.data_url()}} for image in message.images]
    return {"role": "user", "content": parts}


def with_images(messages: list[Message], wire: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`wire` (one dict per message) with a user message of images after each run of tool
    messages that returned any."""
    out: list[dict[str, Any]] = []
    waiting: list[Message] = []
    for message, sent in zip(messages, wire):
        if waiting and message.role is not MessageRole.TOOL:
            out.append(image_message(waiting))
            waiting = []
        out.append(sent)
        if message.role is MessageRole.TOOL and message.images:
            waiting.append(message)
    if waiting:
        out.append(image_message(waiting))
    return out


def extra_tokens(message: Message, model: str | None) -> int:
    """What a tool message's images add to a request (their label and the user message that
    carries them: counted with each message that has images, so a round of several such
    calls is over-counted by 3 tokens a call)."""
    if not message.images:
        return 0
    carrier = count_message_tokens({"role": "user", "content": [{"type": "text", "text": label(message)}]}, model)
    return carrier + sum(image_tokens(i.data) for i in message.images)
