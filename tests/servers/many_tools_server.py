"""An MCP server offering many generated tools (`--tools N`, default 2000), each with a
realistic schema: for the warning about tool schemas sent with every request."""

from __future__ import annotations

import argparse

from mcp.server.mcpserver import MCPServer

server = MCPServer("many")


def _tool(i: int):
    def lookup(record_id: str) -> str:
        return f"tool {i}: {record_id}"

    lookup.__name__ = f"lookup_{i:04d}"
    return lookup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=2000)
    count = parser.parse_args().tools
    for i in range(count):
        server.tool(description=f"Look up a record of collection {i}.")(_tool(i))
    server.run("stdio")


if __name__ == "__main__":
    main()
