"""At most `limit` tools per request (OpenAI documents 128), chosen so the user can predict it.

Servers are offered whole, in config order, while they fit; a server that does not fit is left
out whole and later (smaller) ones may still fit; room that is left goes to the first tools of
the first server left out, so a single huge server still offers something. The user is told
which were left out and how to choose (/toolset NAME off, t in the sidebar, --max-tools).
"""

from __future__ import annotations

from typing import Any

from mcp_tui.models.events import ToolsLeftOut
from mcp_tui.words import plural

DEFAULT_MAX_TOOLS = 128  # OpenAI's documented maximum of tools in one request


def cap_tools(tools: list[Any], limit: int) -> tuple[list[Any], ToolsLeftOut | None]:
    """The tools to offer (in their order) and, when some were left out, what to tell the user.
    `tools` have `.server`, grouped by server in config order; `limit` <= 0: no cap."""
    if limit <= 0 or len(tools) <= limit:
        return tools, None
    groups: dict[str, list[Any]] = {}
    for tool in tools:
        groups.setdefault(tool.server, []).append(tool)
    room, kept = limit, set()
    for server, group in groups.items():
        if len(group) <= room:
            kept.update(id(t) for t in group)
            room -= len(group)
    partial = next((s for s, g in groups.items() if id(g[0]) not in kept), None)
    if room and partial is not None:
        kept.update(id(t) for t in groups[partial][:room])
    offered = [t for t in tools if id(t) in kept]
    left_out = []
    for server, group in groups.items():
        missing = sum(id(t) not in kept for t in group)
        if missing == len(group):
            left_out.append(f"{server} ({plural(len(group), 'tool')})")
        elif missing:
            left_out.append(f"{server} ({missing:,} of {plural(len(group), 'tool')})")
    message = (
        f"{plural(len(tools), 'tool')} are more than the {limit:,} a request may carry, so {len(offered):,} are offered "
        f"(whole servers in config order). Left out: {', '.join(left_out)}. To choose, switch servers off with "
        f"/toolset NAME off (or t on a server in the sidebar), or set --max-tools."
    )
    return offered, ToolsLeftOut(offered=len(offered), total=len(tools), left_out=left_out, message=message)
