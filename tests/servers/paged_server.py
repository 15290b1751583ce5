"""An MCP server (the SDK's low-level Server) that lists its prompts, resources and resource
templates two to a page, with cursors: for the client's paginated listing."""

from __future__ import annotations

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

PAGE = 2
PROMPTS = [types.Prompt(name=f"p{i}", description=f"prompt {i}") for i in range(5)]
RESOURCES = [types.Resource(uri=f"paged://r/{i}", name=f"r{i}", mime_type="text/plain") for i in range(5)]
TEMPLATES = [types.ResourceTemplate(uri_template=f"paged://t{i}/{{id}}", name=f"t{i}") for i in range(3)]


def _page(items: list, params: types.PaginatedRequestParams | None) -> tuple[list, str | None]:
    start = int(params.cursor) if params is not None and params.cursor else 0
    end = start + PAGE
    return items[start:end], (str(end) if end < len(items) else None)


async def list_prompts(ctx, params):
    items, cursor = _page(PROMPTS, params)
    return types.ListPromptsResult(prompts=items, next_cursor=cursor)


async def list_resources(ctx, params):
    items, cursor = _page(RESOURCES, params)
    return types.ListResourcesResult(resources=items, next_cursor=cursor)


async def list_templates(ctx, params):
    items, cursor = _page(TEMPLATES, params)
    return types.ListResourceTemplatesResult(resource_templates=items, next_cursor=cursor)


server = Server("paged", on_list_prompts=list_prompts, on_list_resources=list_resources, on_list_resource_templates=list_templates)


async def main() -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
