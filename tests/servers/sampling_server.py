"""An MCP server (the official SDK) whose tools send sampling requests mcp-tui cannot answer as
asked: an image to look at. The tool returns what the client answered, or its error."""

from __future__ import annotations

import warnings

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError

server = MCPServer("sampler")
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


@server.tool(description="Ask the client's model to describe a picture.")
async def describe_picture(ctx: Context) -> str:
    message = types.SamplingMessage(role="user", content=[
        types.TextContent(type="text", text="What is in this picture?"),
        types.ImageContent(type="image", data=PIXEL, mime_type="image/png"),
    ])
    try:
        with warnings.catch_warnings():  # sampling is deprecated in protocol 2026-07-28; this is 2025-11-25
            warnings.simplefilter("ignore")
            result = await ctx.session.create_message([message], max_tokens=50)
    except MCPError as exc:
        return f"client error {exc.code}: {exc.error.message}"
    return f"client answered: {result.content}"


if __name__ == "__main__":
    server.run("stdio")
