"""Building the real app for snapshot and Pilot tests."""

from __future__ import annotations

import asyncio

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.events import ServerStateChanged
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.ui.widgets.timeline import ToolTimeline
from tests.engine_helpers import engine_settings
from tests.support.limits import GENEROUS
from tests.support.openai_server import refused_base_url

T0 = 1_795_000_000.0  # a fixed clock time for events in snapshots (UTC 2026-11-19 ...)


def make_app(base_url: str | None = None, servers=(), **overrides) -> McpTuiApp:
    overrides.setdefault("approve", "ask")
    engine = ChatEngine(engine_settings(base_url or refused_base_url(), **overrides), list(servers))
    return McpTuiApp(engine)


async def settle(pilot, app: McpTuiApp) -> None:
    """Servers settled, cursor still, screen drawn: a stable picture."""
    await app.engine.servers.wait_settled(GENEROUS)
    app.query_one(PromptInput).cursor_blink = False
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def ready(name: str, tools: int) -> ServerStateChanged:
    return ServerStateChanged(name=name, state="ready", tool_count=tools, tool_tokens=tools * 140, at=T0)


async def until(pilot, predicate, timeout: float = GENEROUS) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out waiting for the app"
        await pilot.pause(0.02)


def on_top(app, screen_type) -> bool:
    """`screen_type` is the screen shown and mounted: a key pressed while it is only pushed
    can be lost, which happened under load."""
    return isinstance(app.screen, screen_type) and app.screen.is_mounted


async def say(pilot, text: str) -> None:
    prompt = pilot.app.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("enter")


def user_turns(app) -> int:
    return sum(m.role.value == "user" for m in app.engine.context.history.messages)


async def turn(pilot, text: str) -> None:
    before = user_turns(pilot.app)
    await say(pilot, text)
    await until(pilot, lambda: user_turns(pilot.app) > before and not pilot.app.engine.busy)
    await pilot.pause()


def states(app) -> list[str]:
    return [r.state for r in app.query_one(ToolTimeline).records.values()]
