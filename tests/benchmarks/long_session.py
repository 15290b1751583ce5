"""A saved session of 2,000 messages with 500 tool calls: time to first frame when resumed
(tmux, 120×40), the app's RSS then, and the time to scroll to its first message."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from tests.benchmarks.common import Measure, median
from tests.benchmarks.first_frame import first_frame

TURNS = 500  # × (user, assistant with a tool call, tool result, answer) = 2,000 messages


def write_session(home: Path) -> str:
    """The session file, written the way the app writes one."""
    os.environ["MCP_TUI_HOME"] = str(home)
    from mcp_tui.models.messages import Message, MessageRole, ToolCall
    from mcp_tui.store.session_file import SessionWriter

    writer = SessionWriter()
    writer.write("meta", provider="openai", model="m", token_threshold=10**9)
    for i in range(TURNS):
        call = ToolCall(id=f"c{i}", name="sqlite__read_query", arguments=f'{{"query": "SELECT * FROM orders WHERE id = {i}"}}')
        for message in (
            Message(role=MessageRole.USER, content=f"Question {i}: how is order {i} doing?"),
            Message(role=MessageRole.ASSISTANT, content=None, tool_calls=[call]),
            Message(role=MessageRole.TOOL, content=f'[{{"id": {i}, "status": "shipped", "total": {i * 3}}}]', tool_call_id=f"c{i}", name=call.name),
            Message(role=MessageRole.ASSISTANT, content=f"Order **{i}** shipped; the total was `{i * 3}`.\n\n- customer told\n- invoice sent\n\nanswer-{i}"),
        ):
            writer.message(message)
    writer.close()
    return writer.session_id


def rss_of_pane(session: str, settle: float = 3.0) -> float:
    """The app's RSS once the engine is up too (a few seconds after the first frame)."""
    time.sleep(settle)
    pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True).stdout)
    process = psutil.Process(pid)
    return process.memory_info().rss / 2**20


def open_in_tmux(home: Path, session_id: str) -> tuple[float, float]:
    """Seconds to the first frame showing the last answer, and the RSS (MiB) then."""
    from tests.support.openai_server import refused_base_url

    command = f"{sys.executable} -m mcp_tui --resume {session_id} --provider openai --model m --api-base {refused_base_url()} --api-key x"
    rss: list[float] = []
    seconds = first_frame(command, f"answer-{TURNS - 1}", {"MCP_TUI_HOME": str(home), "TERM": "xterm-256color"}, on_shown=lambda s: rss.append(rss_of_pane(s)))
    return seconds, rss[0]


async def scroll_to_top(home: Path, session_id: str) -> float:
    """Seconds from asking for the top (Home in the transcript) to the first message on screen."""
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.store.session_file import find_session
    from mcp_tui.ui.app import McpTuiApp
    from mcp_tui.ui.widgets.chat import Transcript, UserMessage
    from tests.engine_helpers import engine_settings
    from tests.support.openai_server import refused_base_url

    record = find_session(session_id, home / "data" / "sessions")
    app = McpTuiApp(ChatEngine(engine_settings(refused_base_url(), persist=False), [], resume=record))
    async with app.run_test(size=(120, 40)) as pilot:
        transcript = app.query_one(Transcript)
        while not any("answer-" in str(getattr(w, "source", "")) for w in transcript.children):
            await asyncio.sleep(0.01)
        await pilot.pause()
        transcript.focus()
        started = time.perf_counter()
        await pilot.press("home")
        while True:
            first = next(iter(transcript.query(UserMessage)), None)
            if first is not None and "Question 0:" in str(first.render()) and transcript.scroll_y == 0 and first.region.y >= 0 and first.region.height:
                break
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - started
    await app.engine.aclose()
    return elapsed


def run(runs: int) -> list[Measure]:
    home = Path(tempfile.mkdtemp(prefix="bench-long-"))
    saved = os.environ.get("MCP_TUI_HOME")
    session_id = write_session(home)
    frames, rss, tops = [], [], []
    try:
        for _ in range(runs):
            seconds, mib = open_in_tmux(home, session_id)
            frames.append(seconds)
            rss.append(mib)
            tops.append(asyncio.run(scroll_to_top(home, session_id)))
    finally:
        if saved is None:
            os.environ.pop("MCP_TUI_HOME", None)
        else:
            os.environ["MCP_TUI_HOME"] = saved
    return [
        Measure("resume 2,000 messages / 500 tool calls: first frame", "s", frames, "≤ 1 s", median(frames) <= 1.0),
        Measure("resume 2,000 messages: RSS 3 s after the first frame", "MiB", rss, "≤ 250 MB", max(rss) <= 250 * 1e6 / 2**20),
        Measure("resume 2,000 messages: Home to the first message", "s", tops, "≤ 1 s", median(tops) <= 1.0),
    ]
