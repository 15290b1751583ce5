"""Building the real app for snapshot and Pilot tests."""

from __future__ import annotations

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.events import ServerStateChanged
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.prompt_input import PromptInput
from tests.engine_helpers import engine_settings
from tests.support.openai_server import refused_base_url

T0 = 1_795_000_000.0  # a fixed clock time for events in snapshots (UTC 2026-11-19 ...)


def make_app(base_url: str | None = None, servers=(), **overrides) -> McpTuiApp:
    overrides.setdefault("approve", "ask")
    engine = ChatEngine(engine_settings(base_url or refused_base_url(), **overrides), list(servers))
    return McpTuiApp(engine)


async def settle(pilot, app: McpTuiApp) -> None:
    """Servers settled, cursor still, screen drawn: a stable picture."""
    await app.engine.servers.wait_settled(15)
    app.query_one(PromptInput).cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def ready(name: str, tools: int) -> ServerStateChanged:
    return ServerStateChanged(name=name, state="ready", tool_count=tools, at=T0)
