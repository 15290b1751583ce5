"""Turn an MCP CallToolResult into text a model can read, bounded for the model."""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types

from mcp_tui.models.resources import ResourceLinkRef
from mcp_tui.servers.models import ToolResult


def _b64_size(data: str) -> int:
    return len(data) * 3 // 4 - data[-2:].count("=") if data else 0


def describe_block(block: Any) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ImageContent):
        return f"[image: {block.mime_type}, {_b64_size(block.data)} bytes]"
    if isinstance(block, types.AudioContent):
        return f"[audio: {block.mime_type}, {_b64_size(block.data)} bytes]"
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


def convert(result: types.CallToolResult, max_chars: int) -> ToolResult:
    parts = [describe_block(b) for b in result.content or []]
    structured = result.structured_content if isinstance(result.structured_content, dict) else None
    full = "\n".join(parts)
    if not parts and structured is not None:
        full = json.dumps(structured, ensure_ascii=False, default=str)
    text, truncated = bound(full, max_chars)
    links = [
        ResourceLinkRef(uri=b.uri, name=b.name, mime_type=b.mime_type, description=b.description or "")
        for b in result.content or []
        if isinstance(b, types.ResourceLink)
    ]
    return ToolResult(text=text, full_text=full, is_error=bool(result.is_error), structured=structured, truncated=truncated, links=links)
