"""The demo provider: a chuk-llm client class that streams the demo guide's replies.

Registered with chuk-llm under the name "demo" (register_demo_provider), so it goes
through the same client factory and adapter as a real provider.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from itertools import count
from typing import Any

from mcp_tui.llm.demo_planner import plan

PROVIDER = "demo"
MODEL = "guide"
# Seconds between streamed words: slow enough to watch the stream; 0 in tests.
DELAY = float(os.environ.get("MCP_TUI_DEMO_DELAY", "0.012"))
_ids = count(1)


class DemoClient:
    def __init__(self, model: str = MODEL, api_key: str | None = None, api_base: str | None = None, **_: Any) -> None:
        self.model = model

    def create_completion(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None, stream: bool = False, **_: Any):
        reply = plan(messages, tools)
        if stream:
            return self._stream(reply)
        return self._whole(reply)

    async def _stream(self, reply) -> AsyncIterator[dict[str, Any]]:
        for piece in re.findall(r"\S+\s*|\s+", reply.text):
            yield {"response": piece, "tool_calls": None}
            await asyncio.sleep(DELAY)
        calls = [_wire_call(name, arguments) for name, arguments in reply.calls]
        if calls:
            yield {"response": "", "tool_calls": calls}

    async def _whole(self, reply) -> dict[str, Any]:
        return {"response": reply.text, "tool_calls": [_wire_call(n, a) for n, a in reply.calls] or None}

    async def close(self) -> None:
        return None


def _wire_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"call_demo_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def register_demo_provider() -> None:
    """Make "demo" a chuk-llm provider (idempotent; in memory only)."""
    from chuk_llm.configuration import get_config

    config = get_config()
    if config.provider_exists(PROVIDER):
        return
    config.register_provider(
        name=PROVIDER,
        client_class=f"{__name__}:DemoClient",
        default_model=MODEL,
        models=[MODEL],
        features=["streaming", "tools"],
    )
