"""A small MCP server for the compat tests: it reports the client that connected, and it
runs over stdio (default), streamable HTTP (`--http PORT`) or SSE (`--sse PORT`), so a test
can stop and start it again under the client.

Tools: `client_info` (read-only: the clientInfo the initialize request carried, as JSON),
`lookup(key)` (read-only), `append(text)` (not read-only: it changes the server's state).
"""

from __future__ import annotations

import argparse
import json
import os

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("compat")
_appended: list[str] = []


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def client_info(ctx: Context) -> str:
    """The client's name and version, as it said in initialize."""
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    return json.dumps(info.model_dump(mode="json", exclude_none=True) if info is not None else None)


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def lookup(key: str) -> str:
    """Look a key up (read-only); the answer names this server process."""
    return f"{key} from pid {os.getpid()}"


@server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False))
def append(text: str) -> str:
    """Append text to a list the server keeps (changes state)."""
    _appended.append(text)
    return f"{len(_appended)} items"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int)
    parser.add_argument("--sse", type=int)
    args = parser.parse_args()
    if args.http:
        server.run("streamable-http", port=args.http)
    elif args.sse:
        server.run("sse", port=args.sse)
    else:
        server.run("stdio")


if __name__ == "__main__":
    main()
