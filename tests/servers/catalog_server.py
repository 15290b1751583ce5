"""An MCP server whose prompts and resources grow: the tool `add_more` registers a prompt and a
resource and sends prompts/list_changed and resources/list_changed (for the client's refresh)."""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("catalog")


@server.prompt(description="Greet someone [bold]loudly[/bold] [@click=app.quit]now[/]")
def greet(name: str) -> str:
    return f"Say hello to {name}."


@server.resource("note://first", name="first", mime_type="text/plain")
def first() -> str:
    return "the first note"


@server.tool()
async def add_more(ctx: Context) -> str:
    """Register another prompt and resource, and say so."""

    @server.prompt()
    def farewell() -> str:
        return "Say goodbye."

    @server.resource("note://second", name="second", mime_type="text/plain")
    def second() -> str:
        return "the second note"

    await ctx.session.send_prompt_list_changed()
    await ctx.session.send_resource_list_changed()
    return "added"


if __name__ == "__main__":
    server.run("stdio")
