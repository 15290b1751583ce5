"""The sessions dialog (Ctrl+O) and the files the app writes, driven through Pilot.

Every test keeps its sessions in its own MCP_TUI_HOME, so the list holds only what it wrote.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.llm.resolve import Flags, resolve
from mcp_tui.store.full_results import keep_full_result, results_dir
from mcp_tui.store.session_file import read_session
from mcp_tui.store.session_listing import read_info, scan_sessions
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.screens.sessions import DeleteQuestion, RenameInput, SessionsScreen
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.widgets.chat import ErrorNote, UserMessage
from mcp_tui.ui.widgets.timeline import ToolRecord
from tests.engine_helpers import engine_settings, run
from tests.support.openai_server import text
from tests.support.saved_sessions import write_session
from tests.ui_helpers import T0, make_app, on_top, say, settle, turn, until

SIZE = (120, 40)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def loose_umask():
    """The usual umask (022): a file made without an explicit mode would be 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def sessions_folder(home):
    return home / "data" / "sessions"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def notified(app, words: str) -> bool:
    return any(words in str(n.message) for n in app._notifications)


async def open_dialog(pilot) -> SessionsScreen:
    await pilot.press("ctrl+o")
    await until(pilot, lambda: on_top(pilot.app, SessionsScreen))
    return pilot.app.screen


# -- 13: choosing the session already open --------------------------------------------------
async def test_choosing_the_open_session_closes_the_dialog_and_reloads_nothing(home, openai_server):
    openai_server.enqueue(text("Hello there."))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "a question only this session asked")
        engine = app.engine
        dialog = await open_dialog(pilot)
        await until(pilot, lambda: [r.session_id for r in dialog.shown] == [engine.recorder.session_id])
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SessionsScreen))
        await until(pilot, lambda: notified(app, "already open"))
        assert app.engine is engine  # not closed and rebuilt: its servers and timeline stay
        assert [str(w.content) for w in app.query(UserMessage)] == ["a question only this session asked"]
        await app.action_quit()


# -- 16: Ctrl+O talks to the provider and model the session was with -----------------------
def env_resolved_app(base_url: str, monkeypatch) -> McpTuiApp:
    """An app whose provider came from the environment (no flags): openai/second-model."""
    for name, value in {"MCP_TUI_PROVIDER": "openai", "MCP_TUI_MODEL": "second-model", "MCP_TUI_API_BASE": base_url, "OPENAI_API_KEY": "test-key-0123"}.items():
        monkeypatch.setenv(name, value)
    resolution = resolve(Flags())
    assert (resolution.kind, resolution.model) == ("env", "second-model")
    settings = engine_settings(base_url, api_key=None, approve="ask").resolved(resolution)
    return McpTuiApp(ChatEngine(settings, []))


async def test_opening_a_session_of_another_model_talks_to_that_model(home, openai_server, monkeypatch):
    openai_server.enqueue(text("First answer."), text("Now."), text("Again."))
    first = ChatEngine(engine_settings(openai_server.base_url, model="first-model"), [])
    await first.start()
    try:
        await run(first, "asked of the first model")
        wanted = first.recorder.session_id
    finally:
        await first.aclose()
    app = env_resolved_app(openai_server.base_url, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "asked of the second model")
        assert openai_server.requests[-1]["model"] == "second-model"
        dialog = await open_dialog(pilot)
        await pilot.press(*"first model")
        await until(pilot, lambda: [r.session_id for r in dialog.shown] == [wanted])
        await pilot.press("enter")
        await until(pilot, lambda: app.engine.recorder.session_id == wanted and app.engine.context.model == "first-model")
        await turn(pilot, "and again")
        assert openai_server.requests[-1]["model"] == "first-model"
        assert "first-model" in app.sub_title
        await app.action_quit()


async def test_opening_a_session_whose_provider_has_no_key_says_so_and_falls_back(home, openai_server, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    write_session(sessions_folder(home), "20261119-090000-cccccc", T0, [("a claude question", "A claude answer.")], provider="anthropic", model="claude-x")
    openai_server.enqueue(text("Answered by the fallback."))
    app = env_resolved_app(openai_server.base_url, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await open_dialog(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: app.engine.recorder is not None and app.engine.recorder.session_id == "20261119-090000-cccccc")
        note = "The session 20261119-090000-cccccc was with anthropic/claude-x, but ANTHROPIC_API_KEY is not set: using openai/second-model instead"
        await until(pilot, lambda: any(note in str(w.content) for w in app.query(ErrorNote)))
        await turn(pilot, "go on")
        assert openai_server.requests[-1]["model"] == "second-model"
        await app.action_quit()


# -- 20: empty sessions, the empty search, file modes ---------------------------------------
async def test_a_session_where_nothing_was_said_leaves_no_file(home, openai_server):
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        path = app.engine.recorder.writer.path
        assert path.exists()  # written from the start: a crash keeps what there is
        await pilot.press("ctrl+q")
    assert not path.exists()
    assert list(sessions_folder(home).glob("*.jsonl")) == []


async def test_sessions_where_nothing_was_said_are_not_listed(home, openai_server, capsys):
    from mcp_tui.sessions_cli import print_sessions

    folder = sessions_folder(home)
    write_session(folder, "20261119-090000-aaaaaa", T0, [("a real question", "An answer.")])
    write_session(folder, "20261119-100000-bbbbbb", T0 + 60, [])  # a crash before anything was said
    print_sessions()
    listing = capsys.readouterr().out
    assert "20261119-090000-aaaaaa" in listing and "20261119-100000-bbbbbb" not in listing
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        assert [r.session_id for r in dialog.shown] == ["20261119-090000-aaaaaa"]
        await app.action_quit()


async def test_a_search_with_no_match_says_so(home, openai_server):
    write_session(sessions_folder(home), "20261119-090000-aaaaaa", T0, [("which tables are there?", "Three.")])
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        empty = dialog.query_one("#session-empty")
        assert not empty.display
        await pilot.press(*"zebra")
        await until(pilot, lambda: not dialog.shown and empty.display)
        assert str(empty.content) == "No session mentions “zebra”."
        await pilot.press(*["backspace"] * 5)
        await until(pilot, lambda: len(dialog.shown) == 1 and not empty.display)
        await app.action_quit()


async def test_every_file_the_app_writes_for_the_user_is_private(home, openai_server, loose_umask, tmp_path):
    openai_server.enqueue(text("Something to keep."))
    existing = tmp_path / "chosen.json"
    existing.write_text("old")  # 0644: /export to it must not leave it readable by others
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "keep this")
        for command in ("/save", "/export md", f"/export json {existing}"):
            await say(pilot, command)
        exports = home / "data" / "exports"
        await until(pilot, lambda: len(list(exports.glob("*"))) == 2 and existing.read_text() != "old")
        assert json.loads(existing.read_text())["messages"][-1]["content"] == "Something to keep."
        record = ToolRecord("call-1", "u", "echo", {}, "{}", result="a whole result")
        await app.push_screen(ToolDetailScreen(record))
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        await pilot.press("s")
        await until(pilot, lambda: app.screen.saved_to is not None)
        saved = [*exports.glob("*"), existing, app.screen.saved_to]
        assert saved[-1].read_text() == "a whole result"
        await app.action_quit()
    assert {p.name: oct(mode(p)) for p in saved} == {p.name: oct(0o600) for p in saved}


def test_an_export_from_the_command_line_is_private(home, loose_umask, capsys):
    from mcp_tui.sessions_cli import export_session

    write_session(sessions_folder(home), "20261119-090000-aaaaaa", T0, [("a question", "An answer.")])
    output = home / "out.md"
    assert export_session("20261119-090000-aaaaaa", "md", output) == 0
    assert "An answer." in output.read_text() and mode(output) == 0o600


# -- renaming and deleting in the dialog ----------------------------------------------------
async def test_renaming_a_session_gives_it_a_title_everywhere(home, openai_server, capsys):
    from mcp_tui.sessions_cli import export_session, print_sessions

    folder = sessions_folder(home)
    path = write_session(folder, "20261119-090000-aaaaaa", T0, [("which tables are there?", "Three.")])
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        await pilot.press("f2")
        box = dialog.query_one(RenameInput)
        await until(pilot, lambda: box.display and box.has_focus)
        assert box.value == "which tables are there?"
        await pilot.press("ctrl+u", *"Inventory [bold]audit", "enter")
        await until(pilot, lambda: [r.title for r in dialog.shown] == ["Inventory [bold]audit"])
        assert not box.display
        await pilot.press("ctrl+r", "escape")  # Esc leaves the title as it is, and the dialog open
        await until(pilot, lambda: not box.display)
        assert on_top(app, SessionsScreen)
        await app.action_quit()
    assert read_info(path).title == "Inventory [bold]audit"
    assert read_info(path).started == T0  # the date stays
    assert read_session(path).messages[0].content == "which tables are there?"
    print_sessions()
    assert "Inventory [bold]audit" in capsys.readouterr().out
    export_session("20261119-090000-aaaaaa", "md", None)
    assert capsys.readouterr().out.startswith("# Inventory [bold]audit (mcp-tui session 20261119-090000-aaaaaa)")


async def test_the_open_session_is_renamed_through_its_own_writer_and_cannot_be_deleted(home, openai_server):
    openai_server.enqueue(text("Noted."))
    app = make_app(openai_server.base_url)
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "remember the milk")
        path = app.engine.recorder.writer.path
        dialog = await open_dialog(pilot)
        await until(pilot, lambda: len(dialog.shown) == 1)
        await pilot.press("f2", "ctrl+u", *"Shopping", "enter")
        await until(pilot, lambda: [r.title for r in dialog.shown] == ["Shopping"])
        search = dialog.query_one("#session-search")
        search.focus()
        await until(pilot, lambda: search.has_focus)
        await pilot.press("delete")  # nothing to delete in the empty search box: the highlighted session
        await until(pilot, lambda: notified(app, "open, so it cannot be deleted"))
        assert not dialog.query_one(DeleteQuestion).display and path.exists()
        await pilot.press("escape")
        await say(pilot, "/export md")
        exports = home / "data" / "exports"
        await until(pilot, lambda: len(list(exports.glob("*.md"))) == 1)
        await app.action_quit()
    assert read_info(path).title == "Shopping"
    assert next(exports.glob("*.md")).read_text().startswith("# Shopping")


async def test_deleting_a_session_asks_then_removes_it_and_its_kept_results(home, openai_server):
    folder = sessions_folder(home)
    keep = write_session(folder, "20261119-090000-aaaaaa", T0, [("keep me", "Kept.")])
    gone = write_session(folder, "20261119-100000-bbbbbb", T0 + 60, [("delete me", "Soon gone.")])
    assert keep_full_result(gone, "call-1", "a long result") is not None
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        assert [r.session_id for r in dialog.shown] == [gone.stem, keep.stem]  # newest first, highlighted
        question = dialog.query_one(DeleteQuestion)
        search = dialog.query_one("#session-search")
        await pilot.press("x", "left", "delete")  # in the search text, Delete deletes a character
        assert search.value == "" and not question.display
        await until(pilot, lambda: len(dialog.shown) == 2)
        await pilot.press("down", "delete")
        await until(pilot, lambda: question.display and question.has_focus)
        assert "delete me" in str(question.content)
        await pilot.press("n")
        await until(pilot, lambda: not question.display)
        assert gone.exists()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: question.display)
        await pilot.press("y")
        await until(pilot, lambda: [r.session_id for r in dialog.shown] == [keep.stem])
        await app.action_quit()
    assert not gone.exists() and not results_dir(gone).exists() and keep.exists()
    assert [i.session_id for i in scan_sessions()[0]] == [keep.stem]


# -- the dialog with a rename in progress ---------------------------------------------------
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_sessions_dialog_renaming(snap_compare, home, size):
    folder = sessions_folder(home)
    write_session(folder, "20261119-090000-aaaaaa", T0, [("which tables are there?", "Three."), ("count the orders", "Seven.")])
    write_session(folder, "20261119-100000-bbbbbb", T0 + 3600, [("what time is it in Tokyo?", "21:04.")])
    app = make_app(persist=False)

    async def run_before(pilot):
        await pilot.press("ctrl+o")
        await until(pilot, lambda: on_top(app, SessionsScreen))
        await pilot.press("down", "f2", "ctrl+u", *"Tokyo time")
        box = app.screen.query_one(RenameInput)
        await until(pilot, lambda: box.value == "Tokyo time")
        box.cursor_blink = False
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
