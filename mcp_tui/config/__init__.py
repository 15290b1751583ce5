"""Server configuration: the shared model and the loader for its JSON files."""

from mcp_tui.config.loader import ConfigIssue, LoadedConfig, find_config_file, load_servers
from mcp_tui.config.models import ServerConfig

__all__ = ["ConfigIssue", "LoadedConfig", "ServerConfig", "find_config_file", "load_servers"]
