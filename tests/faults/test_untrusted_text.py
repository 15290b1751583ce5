"""Model and tool output holding Rich markup, CSI/OSC sequences (OSC 52 clipboard writes,
titles), very long lines and invalid UTF-8: shown literally or replaced, never interpreted,
never passed to the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mcp_tui.models.events import ToolCallFinished
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.widgets.chat import AssistantMessage
from tests.engine_helpers import UNRULY, run, unruly_server
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, say, turn, until, on_top

MODEL_TEXT = ["Look: [bold red]not bold[/bold red] [link=https://evil.example]x[/link] ", "\x1b[31mred\x1b[0m ", "\x1b]52;c;aGVsbG8=\x07", "\x1b]0;pwned\x07 done ", "W" * 100_000]
ESCAPE_BYTES = ("\x1b", "\x9b", "\x07")


def clean(s: str) -> bool:
    return not any(b in s for b in ESCAPE_BYTES) and "aGVsbG8=" not in s and "pwned" not in s


async def test_the_engine_replaces_invalid_utf8_and_keeps_the_raw_text_for_the_record(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("u__nasty", {"long_line": 100_000}, id="n")), text("ok"))
    engine = await make_engine([unruly_server()])
    events = await run(engine, "nasty")
    result = next(e for e in events if isinstance(e, ToolCallFinished)).result
    assert "bad utf-8: \ufffd\ufffd end" in result  # the server's 0xFF 0xFE became U+FFFD
    assert "[bold red]markup[/bold red]" in result and result.endswith("L" * 100_000)
    assert engine.servers.statuses()[0].state.value == "ready"  # one bad byte did not end the connection
    assert_nothing_lost(engine, openai_server)


async def test_the_screen_shows_markup_literally_and_drops_escapes(openai_server):
    openai_server.enqueue(text(*MODEL_TEXT), tool_calls(call("u__nasty", {"long_line": 100_000}, id="n")), text("after the tool"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="auto")
    async with app.run_test(size=(120, 40)) as pilot:
        await turn(pilot, "say something nasty")
        answer = app.query(AssistantMessage).last().text
        assert answer.startswith("Look: [bold red]not bold[/bold red] [link=https://evil.example]x[/link] red  done ")
        assert clean(answer) and answer.endswith("W" * 100_000)
        await turn(pilot, "now the tool")
        await pilot.press("ctrl+t", "enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        shown = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "[bold red]markup[/bold red]" in shown and "[link=https://evil.example]link[/link]" in shown
        assert "\ufffd\ufffd" in shown and clean(shown)
        svg = app.export_screenshot()
        assert "[bold&#160;red]markup" in svg or "[bold red]markup" in svg
        assert clean(svg)


def test_headless_output_carries_no_escape_sequence(tmp_path, openai_server):
    openai_server.enqueue(text(*MODEL_TEXT[:4]), tool_calls(call("u__nasty", "{}", id="n")), text("\x1b]52;c;aGVsbG8=\x07tool said [b]hi[/b]"))
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"u": {"command": sys.executable, "args": [UNRULY]}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")}
    base = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url,
            "--api-key", "k", "--config", str(config), "--approve", "auto"]
    first = subprocess.run([*base, "--prompt", "nasty text"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    second = subprocess.run([*base, "--resume", "--prompt", "nasty tool"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    for result in (first, second):
        assert result.returncode == 0, result.stderr
        assert clean(result.stdout) and clean(result.stderr)
    assert "[bold red]not bold[/bold red]" in first.stdout and "tool said [b]hi[/b]" in second.stdout
    assert "⚙ u.nasty" in second.stderr


async def test_a_sequence_split_across_pieces_is_removed_whole(openai_server, make_engine):
    openai_server.enqueue(text("copy ", "\x1b]52;c;aGVs", "bG8=\x07", "this \x1b[3", "1mred", "\x1b"))
    engine = await make_engine()
    events = await run(engine, "split")
    shown = "".join(e.text for e in events if e.type == "text_delta")
    assert shown == "copy this red" == events[-1].content
    assert engine.context.history.messages[-1].content.startswith("copy \x1b]52;c;aGVsbG8=\x07")  # the record keeps the raw words


SLY_PARTS = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c", "\u2066", "\u2069", "cHduZWQ=", "evil.example")


def sly_free(s: str) -> bool:
    return not any(part in s for part in SLY_PARTS)


def everything_shown(app) -> str:
    """The picture and the text of every widget on every screen, notifications included."""
    texts = [app.export_screenshot()]
    for screen in app.screen_stack:
        texts += [str(w.render()) for w in screen.query("*") if hasattr(w, "render")]
    texts += [str(n.message) + str(n.title) for n in app._notifications]
    return "\n".join(texts)


async def test_server_metadata_and_stderr_reach_no_face_with_escapes(openai_server):
    """A tool's title and description, a server's name and its stderr (OSC 52 in ST form,
    OSC 8, titles, CSI, bidi controls): the sidebar, /tools, /servers, the approval dialog and
    the notifications show them cleaned, and the model gets the cleaned description."""
    from mcp_tui.ui.screens.approval import ApprovalScreen

    evil_name = "evil\x1b]52;c;cHduZWQ=\x1b\\"
    openai_server.enqueue(tool_calls(call("evil__sneaky", {"text": "x"}, id="s1")), text("done"))
    servers = [unruly_server(evil_name, "--nasty-metadata"), unruly_server("dying", "--nasty-exit")]
    app = make_app(openai_server.base_url, servers, approve="ask")
    async with app.run_test(size=(160, 50)) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        await until(pilot, lambda: bool(app._notifications))  # the dying server's toast
        for command, expected in (("/tools", "Does things."), ("/servers", "dying: failed")):
            await say(pilot, command)
            await pilot.pause()
            app.query_one("#transcript").scroll_end(animate=False)
            await pilot.pause()
            shown = everything_shown(app)
            assert expected.replace(" ", "&#160;") in shown or expected in shown, command
            assert sly_free(shown), command
        await say(pilot, "use it")
        await until(pilot, lambda: on_top(app, ApprovalScreen))
        assert "evil.sneaky" in everything_shown(app) and sly_free(everything_shown(app))
        await pilot.press("y")
        await until(pilot, lambda: not app.engine.busy)
    sent = openai_server.requests[0]["tools"]
    sneaky = next(t for t in sent if t["function"]["name"] == "evil__sneaky")
    assert sneaky["function"]["description"].startswith("Does things.") and sly_free(sneaky["function"]["description"])


def test_exports_and_doctor_carry_no_escape_or_bidi_control(tmp_path, openai_server):
    openai_server.enqueue(text("\u202eevil\u202c \x1b]52;c;cHduZWQ=\x1b\\ plain"))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home")}
    base = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--api-key", "k"]
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"mcpServers": {"u\u202eu": {"command": sys.executable, "args": [UNRULY, "--nasty-exit", "\x1b]0;t\x07"]}}}))
    assert subprocess.run([*base, "--config", str(config), "--prompt", "hi"], capture_output=True, text=True, timeout=GENEROUS, env=env).returncode == 0
    doctor = subprocess.run([*base, "--config", str(config), "--doctor"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    assert "uu" in doctor.stdout and sly_free(doctor.stdout)
    listing = subprocess.run([sys.executable, "-m", "mcp_tui", "--list-sessions"], capture_output=True, text=True, timeout=GENEROUS, env=env)
    session_id = listing.stdout.splitlines()[1].split()[0]
    for fmt in ("md", "json"):
        exported = subprocess.run([sys.executable, "-m", "mcp_tui", "--export", session_id, "--format", fmt], capture_output=True, text=True, timeout=GENEROUS, env=env)
        assert exported.returncode == 0 and "plain" in exported.stdout
        assert not any(c in exported.stdout for c in ("\x1b", "\u202e", "\u202c")), fmt
    assert "\\u202eevil" in exported.stdout  # json: the same data, written as escapes
