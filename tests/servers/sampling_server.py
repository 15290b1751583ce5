"""An MCP server (the official SDK) whose tools send sampling requests: one with an image to look
at (mcp-tui answers text only), one offering a tool the model may call (the server runs it and
asks again with the result). Each tool returns what the client answered, or its error."""

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


WEATHER = types.Tool(
    name="get_weather", description="Today's weather in a city.",
    input_schema={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@server.tool(description="Ask the client's model for a weather report, with a weather tool.")
async def weather_report(ctx: Context) -> str:
    messages = [types.SamplingMessage(role="user", content=types.TextContent(type="text", text="Weather in Paris?"))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = await ctx.session.create_message(messages, max_tokens=100, tools=[WEATHER])
        uses = [b for b in first.content_as_list if b.type == "tool_use"]
        if first.stop_reason != "toolUse" or not uses:
            return f"no tool call: {first}"
        results = [types.ToolResultContent(tool_use_id=u.id, content=[types.TextContent(type="text", text="18 degrees, clear")]) for u in uses]
        messages += [types.SamplingMessage(role="assistant", content=first.content_as_list), types.SamplingMessage(role="user", content=results)]
        second = await ctx.session.create_message(messages, max_tokens=100, tools=[WEATHER])
    said = "".join(b.text for b in second.content_as_list if b.type == "text")
    return f"weather for {uses[0].input['city']} ran; the model said: {said}"


if __name__ == "__main__":
    server.run("stdio")
