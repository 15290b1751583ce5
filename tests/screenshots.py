"""Write the README's screenshots from the real app: `python -m tests.screenshots`.

The real engine talks to the local OpenAI-compatible test server and real MCP
servers (mcp-server-time, the unruly test server and server-everything), at 120×40 and 80×24.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

os.environ["MCP_TUI_DEMO_DELAY"] = "0"  # the demo guide streams at once

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.ui.app import McpTuiApp
from textual.widgets import Input

from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.screens.help import HelpScreen
from mcp_tui.ui.screens.models import ModelPicker
from mcp_tui.ui.screens.sessions import SessionsScreen
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.screens.trusted import TrustedToolsScreen
from mcp_tui.ui.widgets.prompt_input import PromptInput
from tests.engine_helpers import engine_settings, time_server, unruly_server
from tests.support.limits import GENEROUS
from tests.ui_helpers import on_top
from tests.support.openai_server import (
    OpenAIServer,
    call,
    text,
    tool_calls,
    tool_echo_responder,
)

OUT = Path(__file__).resolve().parents[1] / "screenshots"
ANSWER = """Tokyo is **9 hours ahead** of UTC. The time server says:

| zone | time |
|---|---|
| Asia/Tokyo | see the tool result above |

```python
from zoneinfo import ZoneInfo
from datetime import datetime
print(datetime.now(ZoneInfo("Asia/Tokyo")))
```
"""


async def until(pilot, predicate, timeout: float = GENEROUS) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the app did not get there")


SIZES = {"": (120, 40), "-80x24": (80, 24)}  # file suffix → terminal size


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for suffix, size in SIZES.items():
        await tour(suffix, size)
        await mcp_tour(suffix, size)
        await first_run(suffix, size)
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.svg')))} to {OUT}")


async def tour(suffix: str, size: tuple[int, int]) -> None:
    """The main screens, each saved as NAME{suffix}.svg."""
    os.environ["MCP_TUI_HOME"] = tempfile.mkdtemp()  # sessions, settings and trust of this tour only

    def shot(app, name: str) -> None:
        app.save_screenshot(f"{name}{suffix}.svg", str(OUT))

    async def screen(pilot, app, screen_type, name: str, *keys: str) -> None:
        await pilot.press(*keys)
        await until(pilot, lambda: on_top(app, screen_type))
        await pilot.pause(0.3)
        shot(app, name)
        await pilot.press("escape")
        await until(pilot, lambda: not on_top(app, screen_type))

    with OpenAIServer(responder=tool_echo_responder) as server:
        engine = ChatEngine(engine_settings(server.base_url, approve="ask", persist=True), [time_server(), unruly_server("tools")])
        app = McpTuiApp(engine)
        async with app.run_test(size=size) as pilot:
            prompt = app.query_one(PromptInput)
            prompt.cursor_blink = False
            await engine.servers.wait_settled(GENEROUS)

            async def ask(words: str) -> None:
                before = len(engine.context.history.messages)
                prompt.load_text(words)
                prompt.focus()
                await pilot.press("enter")
                await until(pilot, lambda: len(engine.context.history.messages) > before + 1 and not engine.busy)
                await pilot.pause(0.3)

            await ask("what is the time in Asia/Tokyo")
            server.enqueue(tool_calls(call("tools__echo", {"text": "hello"}, id="e1")), text(*[ANSWER[i : i + 9] for i in range(0, len(ANSWER), 9)]))
            await ask("and explain it with code")
            shot(app, "main")

            await screen(pilot, app, ToolDetailScreen, "tool-detail", "ctrl+t", "enter")

            server.enqueue(tool_calls(call("tools__no_args", "", id="n1")), text("Done."))
            prompt.load_text("run the tool that needs approval")
            prompt.focus()
            await pilot.press("enter")
            await until(pilot, lambda: on_top(app, ApprovalScreen))
            await pilot.pause(0.3)
            shot(app, "approval")
            await pilot.press("A")  # always this tool: the trusted-tools screen lists it
            await until(pilot, lambda: not engine.busy)

            await screen(pilot, app, HelpScreen, "help", "f1")
            await screen(pilot, app, ModelPicker, "model-picker", "f4")
            await screen(pilot, app, SessionsScreen, "sessions", "ctrl+o")
            app.action_trusted_tools()
            await until(pilot, lambda: on_top(app, TrustedToolsScreen))
            await pilot.pause(0.3)
            shot(app, "trusted-tools")
            await pilot.press("escape")

            prompt.focus()
            await pilot.press("/", "m", "o")  # the completion list above the prompt
            await pilot.pause(0.3)
            shot(app, "completion")
            await pilot.press("escape")
            prompt.clear()

            await pilot.press("ctrl+up", "up", "up")  # the block cursor, a few blocks up
            await pilot.pause(0.3)
            shot(app, "cursor")
            await pilot.press("escape")

            await pilot.press("ctrl+f", *"tokyo")
            await pilot.pause(0.5)
            for search in app.query(Input):
                search.cursor_blink = False
            await pilot.pause(0.2)
            shot(app, "search")
            await pilot.press("escape")
        await engine.aclose()


async def mcp_tour(suffix: str, size: tuple[int, int]) -> None:
    """What servers ask of the client and show besides tools, with the real server-everything:
    its form (elicitation), a sampling request, its log and a prompt's completion."""
    from mcp_tui.config.models import ServerConfig
    from mcp_tui.ui.screens.elicitation import ElicitationScreen
    from mcp_tui.ui.screens.sampling import SamplingScreen
    from mcp_tui.ui.screens.server_log import ServerLogScreen
    from tests.support.npm_servers import everything_entry
    from tests.test_elicitation import call_as_told

    os.environ["MCP_TUI_HOME"] = tempfile.mkdtemp()
    everything = ServerConfig(name="ev", command="node", args=[str(everything_entry())], sampling=True, log_level="debug")
    with OpenAIServer(responder=call_as_told) as server:
        engine = ChatEngine(engine_settings(server.base_url, approve="auto", persist=False), [everything])
        app = McpTuiApp(engine)
        async with app.run_test(size=size) as pilot:
            prompt = app.query_one(PromptInput)
            prompt.cursor_blink = False
            await engine.servers.wait_settled(GENEROUS)
            for tool, screen_type, name, answer in (
                ("ev__trigger-elicitation-request", ElicitationScreen, "elicitation", "escape"),
                ('ev__trigger-sampling-request {"prompt": "Name three tide pools."}', SamplingScreen, "sampling", "n"),
            ):
                prompt.load_text(f"call {tool}")
                prompt.focus()
                await pilot.press("enter")
                await until(pilot, lambda: on_top(app, screen_type))
                await pilot.pause(0.5)
                app.save_screenshot(f"{name}{suffix}.svg", str(OUT))
                await pilot.press(answer)
                await until(pilot, lambda: not engine.busy)
            app.open_server_log("ev")
            await until(pilot, lambda: on_top(app, ServerLogScreen))
            await pilot.pause(0.5)
            app.save_screenshot(f"server-log{suffix}.svg", str(OUT))
            await pilot.press("escape")
            prompt.focus()
            await pilot.press(*"/ev:")  # the server's prompts, as slash commands
            await pilot.pause(0.5)
            app.save_screenshot(f"prompts{suffix}.svg", str(OUT))
        await engine.aclose()


async def first_run(suffix: str, size: tuple[int, int]) -> None:
    """What a fresh machine shows: the demo guide and the bundled servers."""
    from mcp_tui.bundled.defaults import default_servers
    from mcp_tui.config.settings import Settings
    from mcp_tui.llm.resolve import Flags, resolve

    resolution = resolve(Flags(), {}, ollama=lambda: (None, "nothing answering"), local=lambda: (None, "", "not installed"))
    settings = Settings(persist=False).resolved(resolution)
    engine = ChatEngine(settings, default_servers(Path(tempfile.mkdtemp())))
    app = McpTuiApp(engine)
    async with app.run_test(size=size) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.cursor_blink = False
        await engine.servers.wait_settled(GENEROUS)
        prompt.load_text("what time is it in Tokyo and London?")
        prompt.focus()
        await pilot.press("enter")
        await until(pilot, lambda: len(engine.context.history.messages) > 4 and not engine.busy)
        await pilot.pause(0.3)
        app.save_screenshot(f"first-run{suffix}.svg", str(OUT))
    await engine.aclose()


if __name__ == "__main__":
    asyncio.run(main())
