"""Turn an MCP CallToolResult into text a model can read, bounded for the model.

Content annotated for one audience goes to that one: `audience: ["user"]` is shown but not
sent to the model; `["assistant"]` is sent, and shown too, marked, because the user should be
able to see everything the model was told. Images go to the model as images (ToolResult.images;
the engine sends them only to models that see images) and appear as a placeholder in the text.
A result too long for the model loses its parts of lowest `priority` first.
"""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types

from mcp_tui.models.resources import ResourceLinkRef
from mcp_tui.models.messages import ImagePart
from mcp_tui.servers.models import ToolResult

MAX_IMAGES = 8  # per result, sent to the model
MAX_IMAGE_BYTES = 5_000_000  # each (OpenAI accepts up to 20 MB a request)
FOR_MODEL = "[for the model] "
NOT_SENT = "[not sent to the model] "
ONLY_FOR_USER = "[the result was meant for the user only: it was shown to them, not given to you]"


def _b64_size(data: str) -> int:
    return len(data) * 3 // 4 - data[-2:].count("=") if data else 0


def size_text(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    return f"{round(n / 1000):,} kB" if n < 1_000_000 else f"{n / 1_000_000:.1f} MB"


def describe_block(block: Any) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent):
        return f"[image: {block.mime_type}, {size_text(_b64_size(block.data))}]"
    if isinstance(block, types.AudioContent):
        return f"[audio: {block.mime_type}, {size_text(_b64_size(block.data))}]"
    if isinstance(block, types.EmbeddedResource):
        res = block.resource
        if isinstance(res, types.TextResourceContents):
            return res.text
        size = _b64_size(getattr(res, "blob", "") or "")
        return f"[resource {res.uri}: {res.mime_type or 'binary'}, {size} bytes]"
    if isinstance(block, types.ResourceLink):
        mime = f", {block.mime_type}" if block.mime_type else ""
        return f"[resource link {block.uri}" + (f": {block.name}{mime}]" if block.name else f"{mime}]")
    return f"[{getattr(block, 'type', type(block).__name__)} content]"


# describe_block's words for a resource_link, read back from a saved result (a resumed session's tool detail)
_LINK = re.compile(r"\[resource link (\S+?)(?:: ([^\]]*?))?(?:, ([\w.+-]+/[\w.+-]+))?\]")


def links_in(text: str) -> list[ResourceLinkRef]:
    return [ResourceLinkRef(uri=m.group(1), name=m.group(2) or "", mime_type=m.group(3)) for m in _LINK.finditer(text or "")]


def bound(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    cut = len(text) - limit
    return f"{text[:limit]}\n[output truncated: {cut:,} of {len(text):,} characters cut]", True


def audience(block: Any) -> tuple[bool, bool]:
    """(for the user, for the model): both unless the block's annotations name one."""
    annotations = getattr(block, "annotations", None)
    roles = getattr(annotations, "audience", None)
    if not roles:
        return True, True
    return "user" in roles, "assistant" in roles


def fit_by_priority(parts: list[tuple[str, float | None]], limit: int) -> str:
    """The parts for the model, joined; when they pass `limit`, parts the server marked less
    than essential (priority < 1) are left out, least important first, until the rest (with a
    note saying so) fits. Unmarked parts are never left out (bound() cuts what still does not fit)."""
    texts = [t for t, _ in parts]
    optional = [i for _, i in sorted((p, i) for i, (_, p) in enumerate(parts) if p is not None and p < 1)]
    dropped: set[int] = set()

    def joined() -> str:
        text = "\n".join(t for i, t in enumerate(texts) if i not in dropped)
        n = len(dropped)
        return text + (f"\n[{n} part{'s' if n > 1 else ''} of lower priority left out to fit]" if n else "")

    while len(joined()) > limit and optional:
        dropped.add(optional.pop(0))
    return joined()


def convert(result: types.CallToolResult, max_chars: int) -> ToolResult:
    shown: list[str] = []
    sent: list[tuple[str, float | None]] = []  # (text, priority)
    images: list[ImagePart] = []
    blocks = result.content or []
    for block in blocks:
        described = describe_block(block)
        for_user, for_model = audience(block)
        if for_model:
            sent.append((described, getattr(getattr(block, "annotations", None), "priority", None)))
            if isinstance(block, types.ImageContent) and len(images) < MAX_IMAGES and _b64_size(block.data) <= MAX_IMAGE_BYTES:
                images.append(ImagePart(mime_type=block.mime_type, data=block.data))
        shown.append(described if for_user and for_model else (FOR_MODEL if for_model else NOT_SENT) + described)
    structured = result.structured_content if isinstance(result.structured_content, dict) else None
    full, model_text = "\n".join(shown), fit_by_priority(sent, max_chars)
    if not blocks and structured is not None:
        full = model_text = json.dumps(structured, ensure_ascii=False, default=str)
    elif blocks and not sent:
        model_text = ONLY_FOR_USER
    text, truncated = bound(model_text, max_chars)
    links = [
        ResourceLinkRef(uri=b.uri, name=b.name, mime_type=b.mime_type, description=b.description or "")
        for b in result.content or []
        if isinstance(b, types.ResourceLink)
    ]
    return ToolResult(
        text=text, full_text=full, is_error=bool(result.is_error), structured=structured, truncated=truncated,
        images=images, links=links,
    )
