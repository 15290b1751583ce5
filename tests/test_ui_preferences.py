"""Approvals remembered and preferences kept, driven with Pilot against the real engine,
the local SSE server and the real unruly MCP server. Each test has its own MCP_TUI_HOME."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, OptionList

from mcp_tui.config import preferences
from mcp_tui.config.preferences import AllowRule
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.screens.trusted import TrustedToolsScreen
from mcp_tui.ui.widgets.chat import ErrorNote, ToolChip
from tests.engine_helpers import unruly_server
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, on_top, say, settle, states, turn, until

SIZE = (120, 40)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    return tmp_path


def notes(app) -> list[str]:
    """Every notification's text from now on: kept here, as the toasts expire after their timeout."""
    said: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    return said


async def answer(pilot, key: str) -> None:
    await until(pilot, lambda: on_top(pilot.app, ApprovalScreen))
    await pilot.press(key)
    await until(pilot, lambda: not pilot.app.engine.busy)


async def palette(pilot, query: str, wanted: str) -> None:
    """Ctrl+P, type, and run the entry titled `wanted` once the search has found it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: on_top(app, CommandPalette))
    app.screen.query_one(Input).value = query
    results = app.screen.query_one(OptionList)

    def found() -> bool:
        index = results.highlighted
        return index is not None and wanted in str(results.get_option_at_index(index).prompt)

    await until(pilot, found)
    await pilot.press("enter")


# (key, state of the first call, what is kept, whether the same tool / another tool of the server are asked about again)
ANSWERS = [
    ("y", "done", [], True, True),
    ("enter", "done", [], True, True),  # the highlighted answer, at first "Run once"
    ("a", "done", [], False, True),
    ("A", "done", [AllowRule(server="u", tool="no_args")], False, True),
    ("t", "done", [AllowRule(server="u", tool="no_args")], False, True),
    ("s", "done", [AllowRule(server="u")], False, False),
    ("n", "denied", [], True, True),
]


@pytest.mark.parametrize("key,first,kept,same_asked,other_asked", ANSWERS)
async def test_each_answer_of_the_dialog(openai_server, home, key, first, kept, same_asked, other_asked):
    openai_server.enqueue(
        tool_calls(call("u__no_args", "", id="1")), text("one"),
        tool_calls(call("u__no_args", "", id="2")), text("two"),
        tool_calls(call("u__fail", "{}", id="3")), text("three"),
    )
    app = make_app(openai_server.base_url, [unruly_server()])
    said = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "first")
        await answer(pilot, key)
        assert states(app) == [first]
        assert preferences.read()[0].always_allow == kept
        for text_, asked in (("same tool", same_asked), ("another tool", other_asked)):
            # not asked: the turn ends with nobody answering; asked: the dialog comes up
            if asked:
                await say(pilot, text_)
                await answer(pilot, "n")
                assert states(app)[-1] == "denied"
            else:
                await turn(pilot, text_)
                assert states(app)[-1] in ("done", "failed", "error result")
    confirmation = {
        "a": "Trusted u.no_args for this session.",
        "A": "Always allowed u.no_args (Ctrl+P → Trusted tools to revoke).",
        "t": "Always allowed u.no_args (Ctrl+P → Trusted tools to revoke).",
        "s": "Always allowed every tool of u (Ctrl+P → Trusted tools to revoke).",
    }.get(key)
    assert [n for n in said if "llowed" in n or "Trusted" in n] == ([confirmation] if confirmation else [])


async def test_escape_in_the_dialog_stops_the_turn(openai_server, home):
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1")), text("never sent"))
    app = make_app(openai_server.base_url, [unruly_server()])
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "go")
        await answer(pilot, "escape")
        assert states(app) == ["cancelled"]
        app.engine.context.history.validate_sequence()
    assert len(openai_server.requests) == 1 and preferences.read()[0].always_allow == []


async def test_always_allowed_survives_into_the_next_session(openai_server, home):
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1")), text("one"), tool_calls(call("u__no_args", "", id="2")), text("two"))
    first = make_app(openai_server.base_url, [unruly_server()])
    async with first.run_test(size=SIZE) as pilot:
        await say(pilot, "first")
        await answer(pilot, "A")
    second = make_app(openai_server.base_url, [unruly_server()])  # same MCP_TUI_HOME, a new engine and policy
    async with second.run_test(size=SIZE) as pilot:
        await turn(pilot, "again")  # nobody answers: it ends only if no question was asked
        assert states(second) == ["done"]


async def test_revoke_from_the_trusted_tools_screen(openai_server, home):
    trust = preferences.SavedTrust()
    trust.add(AllowRule(server="u", tool="no_args"))
    trust.add(AllowRule(server="time"))
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1")), text("one"))
    app = make_app(openai_server.base_url, [unruly_server()])
    said = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "trusted", "Trusted tools")
        await until(pilot, lambda: on_top(app, TrustedToolsScreen))
        listing = app.screen.query_one("#trusted-list", OptionList)
        assert [str(o.prompt) for o in listing.options] == ["u.no_args", "time (every tool)"]
        await pilot.press("delete")
        await until(pilot, lambda: listing.option_count == 1)
        assert preferences.read()[0].always_allow == [AllowRule(server="time")]
        assert "Revoked u.no_args: it is asked about again." in said
        await pilot.press("escape")
        await say(pilot, "run it")
        await answer(pilot, "n")  # revoked in this session too: asked again
        assert states(app) == ["denied"]


async def test_never_mode_wins_over_a_saved_trust(openai_server, home):
    preferences.SavedTrust().add(AllowRule(server="u"))
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1")), text("refused"))
    app = make_app(openai_server.base_url, [unruly_server()], approve="never")
    async with app.run_test(size=SIZE) as pilot:
        await turn(pilot, "run it")
        assert states(app) == ["refused"]  # by the policy, and the chip says so
        assert "refused by policy" in str(app.query_one(ToolChip).render())


async def test_a_damaged_settings_file_is_named_and_the_app_still_works(openai_server, home):
    path = preferences.settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "nord"\n[[always_allow]\nserver = "u"\n')
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1")), text("asked"))
    app = make_app(openai_server.base_url, [unruly_server()])
    said = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any(str(path) in str(n.render()) for n in app.query(ErrorNote)))
        assert app.theme != "nord"  # ignored as a whole
        await say(pilot, "run it")
        await answer(pilot, "A")  # still runs; it cannot be kept, and the user is told
        assert states(app) == ["done"]
        assert any(n.startswith("Allowed u.no_args for this session only") for n in said)
    assert path.read_text().startswith('theme = "nord"')  # the user's file is left as it was


async def test_the_theme_is_kept_for_the_next_start(home):
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        assert first.theme != "nord"
        await palette(pilot, "theme", "Change the current theme")  # Textual's own theme switch
        await until(pilot, lambda: on_top(first, CommandPalette))
        await palette_pick(pilot, "nord")
        await until(pilot, lambda: first.theme == "nord")
        await until(pilot, lambda: preferences.read()[0].theme == "nord")
    second = make_app()
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot, second)
        assert second.theme == "nord"


async def palette_pick(pilot, wanted: str) -> None:
    """In an open palette (the theme list), type and pick `wanted`."""
    screen = pilot.app.screen
    screen.query_one(Input).value = wanted
    results = screen.query_one(OptionList)
    await until(pilot, lambda: results.highlighted is not None and str(results.get_option_at_index(results.highlighted).prompt) == wanted)
    await pilot.press("enter")


@pytest.mark.parametrize("key", ["a", "A", "s"])
async def test_a_trust_answer_covers_the_parallel_calls_waiting_behind_it(openai_server, home, key):
    """Two calls of one tool in one message: the second waits for the dialog of the first,
    and a trust answer there is an answer for it too."""
    openai_server.enqueue(tool_calls(call("u__no_args", "", id="1"), call("u__no_args", "", id="2")), text("both ran"))
    app = make_app(openai_server.base_url, [unruly_server()])
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, "twice")
        await answer(pilot, key)  # ends only if the second call is not asked about
        assert states(app) == ["done", "done"]


async def test_keep_the_current_model_as_the_default_for_the_next_start(openai_server, home):
    from mcp_tui.cli import saved_provider
    from mcp_tui.llm.resolve import Flags, resolve

    app = make_app(openai_server.base_url)
    said = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "keep this model", "Keep this model as the default")
        await until(pilot, lambda: any("openai/test-model" in n and "next start" in n for n in said))  # told after the write
    prefs = preferences.read()[0]
    assert (prefs.provider, prefs.api_base) == ("openai", openai_server.base_url)
    offline = dict(ollama=lambda: (None, "nothing answering"), local=lambda: (None, "", "not installed"))
    chosen = resolve(Flags(), {"OPENAI_API_KEY": "sk"}, default=saved_provider(), **offline)  # what the next start picks
    assert (chosen.provider, chosen.model, chosen.api_base, chosen.kind) == ("openai", "test-model", openai_server.base_url, "settings")
    flagged = resolve(Flags(provider="groq"), {}, default=saved_provider(), **offline)  # flags still win
    assert (flagged.provider, flagged.model, flagged.api_base) == ("groq", None, None)


async def test_a_model_behind_a_url_with_credentials_is_not_kept(openai_server, home):
    app = make_app(openai_server.base_url.replace("http://", "http://me:hunter2@"))
    said = notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await palette(pilot, "keep this model", "Keep this model as the default")
        await until(pilot, lambda: any(n.startswith("Not kept: the server's URL carries credentials") for n in said))
    assert not preferences.settings_path().exists()
