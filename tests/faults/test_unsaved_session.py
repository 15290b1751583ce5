"""A sessions folder that cannot be written (read-only, not a folder) or a full disk: the
chat goes on in memory with a warning that stays up, and the file catches up with every
missed step as soon as a write succeeds again.

Tests may run as root, where `chmod 0500` stops nothing: the folder is made unwritable by
putting a regular file where it should be (so mkdir and open fail), and the disk is made
full by pointing the session file at /dev/full (every write fails with ENOSPC)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from textual.widgets import Static

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import Message, MessageRole
from mcp_tui.store.session_file import SessionWriter, find_session, read_session, sessions_dir
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.widgets.chat import AssistantMessage, ErrorNote
from tests.engine_helpers import engine_settings, run
from tests.faults.helpers import assert_nothing_lost
from tests.support.limits import GENEROUS
from tests.support.openai_server import text
from tests.ui_helpers import turn, until

SIZE = (120, 40)


def block_sessions_folder(home) -> None:
    """Where the sessions folder should be, a regular file: nothing can be created in it."""
    (home / "data").mkdir(parents=True)
    (home / "data" / "sessions").write_text("not a folder")


def warning(app) -> str:
    shown = app.query_one("#saving", Static)
    return str(shown.content) if shown.display else ""


def answers(app) -> list[str]:
    return [a.text for a in app.query(AssistantMessage)]


def test_headless_answers_and_warns_once_when_the_folder_cannot_be_written(tmp_path, openai_server):
    home = tmp_path / "home"
    block_sessions_folder(home)
    openai_server.enqueue(text("the answer still comes"))
    env = {**os.environ, "MCP_TUI_HOME": str(home)}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url,
               "--api-key", "sk-unsaved-key-1", "--config", str(tmp_path / "none.json"), "--prompt", "hello?"]
    (tmp_path / "none.json").write_text('{"mcpServers": {}}')
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "the answer still comes" in result.stdout
    warned = [line for line in result.stderr.splitlines() if "not being saved" in line]
    assert len(warned) == 1, result.stderr
    assert str(home / "data" / "sessions") in warned[0]


async def test_tui_starts_warns_and_saves_everything_once_the_folder_is_back(tmp_path, monkeypatch, openai_server):
    home = tmp_path / "home"
    monkeypatch.setenv("MCP_TUI_HOME", str(home))
    block_sessions_folder(home)
    openai_server.enqueue(text("first answer"), text("second answer"))
    app = McpTuiApp(starter=lambda confirm=None: (ChatEngine(engine_settings(openai_server.base_url), []), []))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.engine is not None or app.query(ErrorNote))
        assert app.engine is not None, [str(n.render()) for n in app.query(ErrorNote)]
        await until(pilot, lambda: "not being saved" in warning(app))
        await turn(pilot, "one")
        await until(pilot, lambda: "first answer" in answers(app))
        assert "not being saved" in warning(app)  # persistent, not a toast
        assert "Not a directory" in warning(app) or "exists" in warning(app)

        (home / "data" / "sessions").unlink()  # the folder can be made again
        await turn(pilot, "two")
        await until(pilot, lambda: "second answer" in answers(app))
        await until(pilot, lambda: warning(app) == "")
        assert_nothing_lost(app.engine, openai_server)
        assert read_session(app.engine.recorder.writer.path).meta.get("provider") == "openai"


async def test_full_disk_keeps_the_chat_and_the_file_catches_up(tmp_path, monkeypatch, openai_server):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path / "home"))
    openai_server.enqueue(text("saved answer"), text("answer on a full disk"), text("answer with space again"))
    first = ChatEngine(engine_settings(openai_server.base_url), [])
    await first.start()
    try:
        await run(first, "before the disk filled")
    finally:
        await first.aclose()
    record = find_session(first.recorder.session_id)
    kept = record.path.with_suffix(".kept")
    record.path.rename(kept)
    record.path.symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk

    app = McpTuiApp(ChatEngine(engine_settings(openai_server.base_url), [], resume=record))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.engine.context.history.messages[1:] != [])
        await turn(pilot, "while the disk is full")
        await until(pilot, lambda: "answer on a full disk" in answers(app))
        await until(pilot, lambda: "not being saved" in warning(app))
        assert "No space left on device" in warning(app) and str(sessions_dir()) in warning(app)
        assert app.engine.context.history.messages[-1].content == "answer on a full disk"

        record.path.unlink()  # space again: the same file as before
        kept.rename(record.path)
        await turn(pilot, "space again")
        await until(pilot, lambda: "answer with space again" in answers(app))
        await until(pilot, lambda: warning(app) == "")
        assert_nothing_lost(app.engine, openai_server)
        assert [m.content for m in read_session(record.path).messages if m.role.value == "user"] == [
            "before the disk filled", "while the disk is full", "space again"]


def test_headless_on_a_full_disk_answers_and_warns_once(tmp_path, monkeypatch, openai_server):
    """No file may grow (RLIMIT_FSIZE at the session file's size: writes fail as on a full
    disk, the log file's too); the answer is printed, one warning, no traceback."""
    home = tmp_path / "home"
    monkeypatch.setenv("MCP_TUI_HOME", str(home))
    writer = SessionWriter()
    writer.write("meta", provider="openai", model="m")
    writer.message(Message(role=MessageRole.USER, content="saved before"))
    writer.message(Message(role=MessageRole.ASSISTANT, content="saved answer"))
    writer.close()
    limit = writer.path.stat().st_size
    (tmp_path / "none.json").write_text('{"mcpServers": {}}')
    openai_server.enqueue(text("answered on a full disk"))
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url,
               "--api-key", "sk-unsaved-key-2", "--config", str(tmp_path / "none.json"), "--resume", writer.session_id, "--prompt", "and now?"]

    def no_growth() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # Python ignores SIGXFSZ: writes get EFBIG

    result = subprocess.run(command, env={**os.environ, "MCP_TUI_HOME": str(home)}, capture_output=True, text=True,
                            timeout=GENEROUS, preexec_fn=no_growth)
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "answered on a full disk" in result.stdout
    warned = [line for line in result.stderr.splitlines() if "not being saved" in line]
    assert len(warned) == 1 and "File too large" in warned[0], result.stderr
    assert writer.path.stat().st_size == limit  # nothing half-written is left behind
    assert [m.content for m in read_session(writer.path).messages] == ["saved before", "saved answer"]


def test_first_run_with_an_unwritable_data_folder_still_answers(tmp_path, openai_server):
    """No config, so the bundled servers would be used; their sample database cannot be made
    (the data folder is a file): the app starts without them and says why."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "data").write_text("not a folder")
    openai_server.enqueue(text("answered without the bundled servers"))
    env = {**os.environ, "MCP_TUI_HOME": str(home)}
    command = [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "m", "--api-base", openai_server.base_url,
               "--api-key", "sk-unsaved-key-2", "--prompt", "hello?"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=GENEROUS, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert "answered without the bundled servers" in result.stdout
    assert "starting without them" in result.stderr
