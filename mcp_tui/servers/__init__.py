"""MCP servers: start them, list their tools under unique names, call them (no UI here)."""

from mcp_tui.servers.manager import ServerManager
from mcp_tui.servers.models import ServerState, ServerStatus, ToolCallError, ToolInfo, ToolResult
from mcp_tui.servers.naming import qualify

__all__ = ["ServerManager", "ServerState", "ServerStatus", "ToolCallError", "ToolInfo", "ToolResult", "qualify"]
