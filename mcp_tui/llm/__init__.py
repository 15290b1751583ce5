"""The LLM side: LLMAdapter streams text and tool calls from chuk-llm, failing with ProviderError.

Importing this package is cheap; chuk_llm itself is imported on first use.
"""

import os

os.environ.setdefault("CHUK_LLM_DISCOVERY_ENABLED", "false")  # before anything imports chuk_llm

from mcp_tui.llm.adapter import LLMAdapter, LLMSettings, StreamItem, StreamStopped, StreamText, StreamToolCall  # noqa: E402
from mcp_tui.llm.errors import ProviderError  # noqa: E402

__all__ = ["LLMAdapter", "LLMSettings", "ProviderError", "StreamItem", "StreamStopped", "StreamText", "StreamToolCall"]
