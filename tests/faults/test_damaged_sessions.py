"""Damaged files in the sessions folder: non-object lines, string, huge or infinite times,
bad segment figures, a folder named like a session. --list-sessions, --export, --resume
and Ctrl+O skip what is damaged, say so, and never crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.limits import GENEROUS
from tests.support.openai_server import text
from tests.ui_helpers import make_app, until, on_top

GOOD = "20260101-000000-good00"
NON_OBJECT = "20260101-000001-nonobj"
STRING_AT = "20260101-000002-strat0"
HUGE_AT = "20260101-000003-hugeat"
FOLDER = "20260101-000004-folder"
BAD_SEGMENT = "20260101-000005-badseg"
READABLE = [GOOD, NON_OBJECT, STRING_AT, HUGE_AT, BAD_SEGMENT]


def _user(content: str, **extra) -> dict:
    return {"type": "message", "at": 1_790_000_000.0, "message": {"role": "user", "content": content, **extra}}


def _answer(content: str, **extra) -> dict:
    return {"type": "message", "at": 1_790_000_000.0, "message": {"role": "assistant", "content": content, **extra}}


def write_damaged_folder(folder) -> None:
    meta = {"type": "meta", "at": 1_790_000_000.0, "provider": "openai", "model": "m"}
    files = {
        GOOD: [meta, _user("a good question"), _answer("a good answer"), {"type": "usage", "usage": {"total_tokens": 7}}],
        NON_OBJECT: [meta, [1, 2], "x", 3, None, _user("after junk lines"), _answer("still here")],
        STRING_AT: [{**meta, "at": "yesterday"}, _user("string time", at="yesterday"), _answer("ok")],
        HUGE_AT: [{**meta, "at": 1e300}, _user("huge time", at=1e300), _answer("ok", at=float("inf"))],
        BAD_SEGMENT: [meta, _user("bad segment"), _answer("ok"), {"type": "segment", "start": "x", "tokens": float("inf"), "cost": "lots"},
                      {"type": "segment", "start": 1, "segment": "two", "summary": ["not", "text"]},
                      {"type": "usage", "usage": "lots"}, _user("   "), _answer("ok")],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for session_id, lines in files.items():
        (folder / f"{session_id}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    (folder / f"{FOLDER}.jsonl").mkdir()


def mcp_tui(home, *args: str, timeout: float = GENEROUS) -> subprocess.CompletedProcess:
    env = {**os.environ, "MCP_TUI_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "mcp_tui", *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_list_and_export_skip_what_is_damaged(tmp_path):
    write_damaged_folder(tmp_path / "data" / "sessions")
    listing = mcp_tui(tmp_path, "--list-sessions")
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, listing.stderr
    for session_id in READABLE:
        assert session_id in listing.stdout
    assert FOLDER in listing.stderr and "skipped" in listing.stderr  # said, not listed
    assert FOLDER not in listing.stdout
    for session_id in READABLE:
        for fmt in ("md", "json"):
            exported = mcp_tui(tmp_path, "--export", session_id, "--format", fmt)
            assert exported.returncode == 0 and "Traceback" not in exported.stderr, exported.stderr
    exported = mcp_tui(tmp_path, "--export", NON_OBJECT)
    assert "after junk lines" in exported.stdout and "damaged" in exported.stderr
    folder = mcp_tui(tmp_path, "--export", FOLDER)
    assert folder.returncode == 2 and "Traceback" not in folder.stderr


def test_resume_of_damaged_sessions_goes_on(tmp_path, openai_server):
    write_damaged_folder(tmp_path / "data" / "sessions")
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {}}))
    chat = ["--provider", "openai", "--model", "m", "--api-base", openai_server.base_url, "--api-key", "sk-damaged-0123", "--config", str(config)]
    for session_id in (NON_OBJECT, STRING_AT, HUGE_AT, BAD_SEGMENT, None):
        openai_server.enqueue(text("resumed fine"))
        resumed = mcp_tui(tmp_path, *chat, "--resume", *([session_id] if session_id else []), "--prompt", "go on")
        assert resumed.returncode == 0 and "Traceback" not in resumed.stderr, resumed.stderr
        assert "resumed fine" in resumed.stdout
    folder = mcp_tui(tmp_path, *chat, "--resume", FOLDER, "--prompt", "go on")
    assert folder.returncode == 2 and "Traceback" not in folder.stderr, folder.stderr


async def test_ctrl_o_lists_damaged_sessions_and_opens_them(tmp_path, monkeypatch):
    from mcp_tui.ui.screens.segments import SegmentBrowser
    from mcp_tui.ui.screens.sessions import SessionsScreen

    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    write_damaged_folder(tmp_path / "data" / "sessions")
    app = make_app(persist=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: on_top(app, SessionsScreen))
        screen = app.screen
        assert sorted(r.session_id for r in screen.shown) == sorted(READABLE)
        shown = "\n".join(str(w.render()) for w in screen.query("Static"))
        assert FOLDER in shown  # the damaged file is named on the screen
        await pilot.press(*"huge")
        await until(pilot, lambda: [r.session_id for r in screen.shown] == [HUGE_AT])
        await pilot.press("enter")
        await until(pilot, lambda: len(app.engine.context.history.messages) > 1)
        assert [m.content for m in app.engine.context.history.messages[1:]] == ["huge time", "ok"]
        await pilot.press("ctrl+g")  # the segment browser shows the times of the opened session
        await until(pilot, lambda: on_top(app, SegmentBrowser))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SegmentBrowser))
        assert app.is_running
