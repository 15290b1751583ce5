"""/roots: the folders servers are offered as MCP roots, and changing them for this session."""

from __future__ import annotations

from rich.text import Text

from mcp_tui.servers.roots import folder
from mcp_tui.text import safe_text
from mcp_tui.words import plural


def roots_listing(engine) -> Text:
    roots = engine.host.session_roots
    found = roots.by_folder(engine.server_configs)
    text = Text()
    for path, names in found.items():
        text.append(safe_text(str(path)), style="bold")
        text.append(f" — {safe_text(', '.join(names))}\n")
    if not found:
        text.append("No folder is offered to any server.\n")
    off = [c.name for c in engine.server_configs if not roots.offered(c)]
    if off:
        text.append(f'Offered no roots ("roots": false): {safe_text(", ".join(off))}\n', style="dim")
    text.append("/roots add PATH and /roots remove PATH change them for this session; the servers are told.", style="dim")
    return text


async def change_roots(engine, verb: str, typed: str) -> str:
    """Add or remove a root for this session and tell the servers; what to say about it."""
    roots = engine.host.session_roots
    path = folder(typed)
    offered = roots.by_folder(engine.server_configs)
    if verb == "add":
        if not path.is_dir():
            return f"{path} is not a folder: nothing changed."
        if path in offered and len(offered[path]) == sum(roots.offered(c) and not c.disabled for c in engine.server_configs):
            return f"{path} is offered already."
        roots.add(path)
    else:
        if path not in offered:
            return f"{path} is not among the roots: nothing changed. /roots lists them."
        roots.remove(path)
    told = await engine.servers.roots_changed()
    done = "Added" if verb == "add" else "Removed"
    news = f"told {plural(len(told), 'server')} ({', '.join(told)})" if told else "no running server to tell"
    return f"{done} root {path}: {news}."
