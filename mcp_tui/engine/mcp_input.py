"""What a turn adds to the conversation besides typed text: an MCP prompt's messages, and the
resources attached with `@server:uri` (read on send, added to the user message as context).

Attached resources are subscribed to where the server allows it; one that changes is read
again and sent with the next turn.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

from mcp_tui.servers.results import describe_block

log = logging.getLogger(__name__)

# `@server:uri` after a space or at the start; the server name as configs spell them.
REFERENCE = re.compile(r"(?<!\S)@([A-Za-z0-9_.-]+):(\S+)")
MAX_RESOURCE_CHARS = 200_000  # of one attached resource: more is cut (and said)


class InputError(Exception):
    """A prompt that cannot run, or an attached resource that cannot be read: nothing is sent."""


@dataclass
class Attachment:
    server: str
    uri: str
    mime_type: str | None
    size: int  # bytes (text: its UTF-8 length)
    binary: bool
    text: str  # what the model gets
    updated: bool = False  # read again because it changed

    @property
    def label(self) -> str:
        kind = self.mime_type or ("binary" if self.binary else "text")
        return f"{self.server}:{self.uri} · {kind} · {self.size:,} bytes" + (" · changed" if self.updated else "")


@dataclass
class TurnInput:
    text: str  # what the user typed or asked for, as the chat shows it
    messages: list[tuple[str, str]] = field(default_factory=list)  # (role, content) added in order
    attachments: list[Attachment] = field(default_factory=list)
    prompt: str | None = None  # "server:name" when the messages came from an MCP prompt


def typed(text: str) -> TurnInput:
    return TurnInput(text=text, messages=[("user", text)])


# -- prompts -----------------------------------------------------------------------


def block_text(block: Any) -> str:
    """One content block as text for the model; an embedded resource keeps its uri."""
    if isinstance(block, types.EmbeddedResource):
        res = block.resource
        body = res.text if isinstance(res, types.TextResourceContents) else describe_block(block)
        return f"[resource {res.uri}{', ' + res.mime_type if res.mime_type else ''}]\n{body}"
    if isinstance(block, types.ImageContent):  # messages are text: the model is told what was left out
        return describe_block(block).replace("]", " not shown to the model]", 1)
    return describe_block(block)


def prompt_messages(result: types.GetPromptResult) -> list[tuple[str, str]]:
    """The prompt's messages as (role, text); blocks of one role in a row become one message."""
    merged: list[tuple[str, str]] = []
    for message in result.messages:
        role = "assistant" if message.role == "assistant" else "user"
        text = block_text(message.content)
        if merged and merged[-1][0] == role:
            merged[-1] = (role, f"{merged[-1][1]}\n\n{text}")
        else:
            merged.append((role, text))
    return merged


async def prompt_input(servers: Any, server: str, name: str, arguments: dict[str, str]) -> TurnInput:
    """Get the prompt with its arguments; raises CatalogError when the server refuses."""
    result = await servers.get_prompt(server, name, arguments)
    messages = prompt_messages(result)
    if not messages:
        messages = [("user", result.description or f"(the prompt {name} has no messages)")]
    shown = " ".join([f"/{server}:{name}", *(f"{k}={_quoted(v)}" for k, v in arguments.items())])
    return TurnInput(text=shown, messages=messages, prompt=f"{server}:{name}")


def _quoted(value: str) -> str:
    return f'"{value}"' if not value or any(c.isspace() for c in value) else value


# -- resources -----------------------------------------------------------------------


def references(text: str, servers: set[str]) -> list[tuple[str, str]]:
    """(server, uri) of each `@server:uri` naming a configured server, once each, in order."""
    found: list[tuple[str, str]] = []
    for match in REFERENCE.finditer(text):
        ref = (match.group(1), match.group(2).rstrip(".,;!?)"))
        if ref[0] in servers and ref not in found:
            found.append(ref)
    return found


def contents_attachment(server: str, uri: str, result: types.ReadResourceResult, updated: bool = False) -> Attachment:
    """A read resource as one attachment: text as it is; binary as a placeholder with its type and size."""
    texts, size, binary, mime = [], 0, False, None
    for item in result.contents:
        mime = mime or item.mime_type
        if isinstance(item, types.TextResourceContents):
            texts.append(item.text)
            size += len(item.text.encode("utf-8", "replace"))
        else:
            count = _blob_size(item.blob)
            size += count
            binary = True
            texts.append(f"[binary content of {item.uri}: {item.mime_type or 'unknown type'}, {count:,} bytes, not shown to the model]")
    text = "\n".join(texts)
    if len(text) > MAX_RESOURCE_CHARS:
        text = f"{text[:MAX_RESOURCE_CHARS]}\n[resource truncated: {len(text) - MAX_RESOURCE_CHARS:,} characters cut]"
    return Attachment(server=server, uri=uri, mime_type=mime, size=size, binary=binary, text=text, updated=updated)


def _blob_size(blob: str) -> int:
    try:
        return len(base64.b64decode(blob, validate=False))
    except (binascii.Error, ValueError):
        return len(blob) * 3 // 4


# one attachment as with_attachments writes it, for the screens that show the typed text alone
_ATTACHED = re.compile(r'\n\n<resource server="([^"]*)" uri="([^"]*)" mime="([^"]*)" note="[^"]*">\n.*?\n</resource>(?=\n\n<resource |$)', re.DOTALL)


def split_attachments(content: str) -> tuple[str, list[str]]:
    """A saved user message as typed, and a label for each resource sent with it."""
    labels = [f"{m.group(1)}:{m.group(2)}" + (f" · {m.group(3)}" if m.group(3) else "") for m in _ATTACHED.finditer(content)]
    return (_ATTACHED.sub("", content), labels) if labels else (content, [])


def with_attachments(text: str, attachments: list[Attachment]) -> str:
    """The user message the model gets: what was typed, then each resource as context."""
    parts = [text]
    for a in attachments:
        verb = "changed since it was attached; its new content" if a.updated else "attached"
        parts.append(f'<resource server="{a.server}" uri="{a.uri}" mime="{a.mime_type or ""}" note="{verb}">\n{a.text}\n</resource>')
    return "\n\n".join(parts)


class Attachments:
    """The resources attached to this conversation; those that changed are read again for the next turn."""

    def __init__(self, servers: Any) -> None:
        self.servers = servers
        self.attached: set[tuple[str, str]] = set()
        self.changed: set[tuple[str, str]] = set()

    def updated(self, server: str, uri: str) -> bool:
        """The server said `uri` changed; True when it is one of ours."""
        ref = (server, uri)
        if ref in self.attached:
            self.changed.add(ref)
            return True
        return False

    async def turn_input(self, text: str, names: set[str]) -> TurnInput:
        """Read what `text` attaches, and what changed since; raises InputError when a read fails."""
        from mcp_tui.servers.catalog import CatalogError

        refs = references(text, names)
        again = [ref for ref in sorted(self.changed) if ref not in refs]
        attachments = []
        for ref in refs + again:
            try:
                result = await self.servers.read_resource(*ref)
            except CatalogError as exc:
                if ref in again:  # gone since: the turn goes on without it
                    log.warning("re-reading %s:%s failed: %s", *ref, exc)
                    continue
                raise InputError(f"Could not read @{ref[0]}:{ref[1]}: {exc}") from None
            attachments.append(contents_attachment(*ref, result, updated=ref in again))
            self.changed.discard(ref)
            if ref not in self.attached:
                self.attached.add(ref)
                await self._subscribe(*ref)
        return TurnInput(text=text, messages=[("user", with_attachments(text, attachments))], attachments=attachments)

    async def _subscribe(self, server: str, uri: str) -> None:
        from mcp_tui.servers.catalog import CatalogError

        try:
            await self.servers.subscribe(server, uri)
        except CatalogError as exc:  # updates are a nicety: the attachment stands
            log.info("no updates for %s:%s: %s", server, uri, exc)


async def line_input(engine: Any, text: str) -> str | TurnInput:
    """A line as the headless face sends it: a `/server:prompt …` runs the prompt, `@server:uri`
    attaches; both wait for the servers first. Raises InputError with what to tell the user."""
    from mcp_tui.engine.prompt_command import PROMPT_COMMAND, parse_prompt_command
    from mcp_tui.servers.catalog import CatalogError

    if not (PROMPT_COMMAND.match(text.strip()) or REFERENCE.search(text)):
        return text
    await engine.servers.wait_settled(engine.settings.server_wait)
    parsed = parse_prompt_command(text, engine.servers.prompts())
    if isinstance(parsed, str):
        raise InputError(parsed)
    if parsed is None:
        return await engine.attach(text)
    try:
        return await engine.prompt_input(parsed.prompt.server, parsed.prompt.name, parsed.arguments)
    except CatalogError as exc:
        raise InputError(f"The prompt did not run: {exc}") from None
