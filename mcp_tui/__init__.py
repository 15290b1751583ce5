"""mcp-tui: a terminal chat with an LLM that calls the tools of MCP servers."""

__version__ = "0.1.0"
