"""Slash commands, the palette, completion and the model picker, driven with Pilot against the
real engine (chuk-llm's real configuration, the local SSE server)."""

from __future__ import annotations

import threading

from textual.command import CommandList, CommandPalette
from textual.widgets._footer import FooterKey

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.ui.app import McpTuiApp
from mcp_tui.ui.commands import COMMANDS
from mcp_tui.ui.screens.models import ModelPicker
from mcp_tui.ui.widgets.chat import AssistantMessage, InfoNote
from mcp_tui.ui.widgets.completion import CompletionList
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.ui.widgets.sidebar import Sidebar
from tests.engine_helpers import engine_settings, unruly_server
from tests.support.limits import GENEROUS
from tests.support.openai_server import refused_base_url, text
from tests.ui_helpers import make_app, on_top, say, turn, until

SIZE = (120, 40)


def last_note(app) -> str:
    return str(app.query(InfoNote).last().render())


def demo_app():
    return make_app(provider="demo", model=None, api_base=None, api_key=None, persist=False)


async def test_model_name_on_the_demo_is_refused_and_says_what_there_is():
    app = demo_app()
    async with app.run_test(size=SIZE) as pilot:
        notes = len(app.query(InfoNote))
        await say(pilot, "/model gpt-4o")
        await until(pilot, lambda: len(app.query(InfoNote)) > notes)
        note = last_note(app)
        assert "Not switched" in note and "demo has one model: guide" in note and "'gpt-4o'" in note
        assert (app.engine.llm.provider, app.engine.llm.model) == ("demo", "guide")


async def test_provider_without_a_key_is_refused_and_the_old_one_keeps_working(openai_server, monkeypatch):
    openai_server.enqueue(text("still here"))
    secret = "gsk-secret-value-0123456789"
    monkeypatch.setenv("GROQ_API_KEY", secret)
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        notes = len(app.query(InfoNote))
        await say(pilot, "/provider anthropic")
        await until(pilot, lambda: len(app.query(InfoNote)) > notes)
        note = last_note(app)
        assert "anthropic needs an API key: ANTHROPIC_API_KEY is not set" in note and "Still talking to openai/test-model" in note
        assert app.engine.llm.provider == "openai" and app.query_one(Sidebar).model_label == "openai/test-model"
        await turn(pilot, "are you there?")  # the old provider still answers
        assert app.query(AssistantMessage).last().text == "still here"
        await say(pilot, "/provider groq")  # its key is in the environment: it switches
        await until(pilot, lambda: app.engine.llm.provider == "groq")
        assert "Now talking to groq/llama-3.3-70b-versatile" in last_note(app)
        await say(pilot, "/provider nonsense")
        await until(pilot, lambda: "knows no provider called 'nonsense'" in last_note(app))
        assert app.engine.llm.provider == "groq"
        assert secret not in "".join(str(n.render()) for n in app.query(InfoNote))


async def test_model_picker_switches_and_marks_providers_without_a_key(openai_server):
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await until(pilot, lambda: on_top(app, ModelPicker))
        picker = app.screen
        assert picker.choices[0] == ("openai", "test-model")  # the current model first
        listing = picker.query_one("#model-list")
        headings = [str(listing.get_option_at_index(i).prompt) for i, choice in enumerate(picker.shown) if choice is None]
        assert "anthropic  needs ANTHROPIC_API_KEY" in headings
        assert "openai" in headings  # the key came with --api-key
        await pilot.press(*"other-model")  # a name chuk-llm does not list: offered as typed
        await until(pilot, lambda: picker.choices == [("openai", "other-model")])
        await pilot.press("enter")
        await until(pilot, lambda: app.engine.llm.model == "other-model")
        assert app.query_one(Sidebar).model_label == "openai/other-model"
        await say(pilot, "/model")  # alone: the picker
        await until(pilot, lambda: on_top(app, ModelPicker))
        await pilot.press(*"claude-sonnet")
        await until(pilot, lambda: app.screen.choices[:1] == [("anthropic", "claude-sonnet-4-5")])
        await pilot.press("enter")
        await until(pilot, lambda: "ANTHROPIC_API_KEY is not set" in last_note(app))
        assert app.engine.llm.provider == "openai"


def searched(app, query: str) -> bool:
    """The palette's search for `query` has run to its end (its hits are all in the list):
    typing starts the search before `press` returns; a finished one leaves the worker list."""
    palette = app.screen
    running = [w for w in app.workers if w.group == CommandPalette._GATHER_COMMANDS_GROUP and not w.is_finished]
    return palette.query_one("#--input Input").value == query and not running


async def palette_hits(pilot, query: str) -> list[tuple[str, str]]:
    app = pilot.app
    await pilot.press("ctrl+p")
    await until(pilot, lambda: on_top(app, CommandPalette))
    await pilot.press(*query)
    listing = app.screen.query_one(CommandList)
    await until(pilot, lambda: listing.option_count > 0 and searched(app, query))
    hits = [(listing.get_option_at_index(i).hit.text, listing.get_option_at_index(i).hit.help or "") for i in range(listing.option_count)]
    await pilot.press("escape")
    return hits


async def test_palette_ranks_title_words_first_and_shows_each_description_once(openai_server):
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        hits = await palette_hits(pilot, "segm")
        titles = [title for title, _ in hits]
        assert titles[0] == "Browse segments"
        assert "/compact" in titles and titles.index("/compact") > titles.index("Browse segments")
        hits = dict(await palette_hits(pilot, "cost"))
        assert hits["/cost"].startswith("the context, the session's tokens")  # the description: help only
        hits = dict(await palette_hits(pilot, "model"))
        assert "Switch model or provider" in hits


def listed(app) -> list[str]:
    completion = app.query_one(CompletionList)
    return [c.label for c in completion.candidates] if completion.is_open else []


async def test_slash_completion_commands_and_their_arguments(openai_server, tmp_path):
    (tmp_path / "chats").mkdir()
    (tmp_path / "chat-one.json").write_text("{}")
    (tmp_path / ".hidden").write_text("")
    app = make_app(openai_server.base_url, [unruly_server("alpha")], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await app.engine.servers.wait_settled(GENEROUS)
        prompt = app.query_one(PromptInput)
        prompt.focus()
        await pilot.press("/")
        await until(pilot, lambda: len(listed(app)) == len(COMMANDS))  # every command, with its usage
        assert listed(app)[2] == "/model NAME"
        await pilot.press("m", "o")
        await until(pilot, lambda: listed(app) == ["/model NAME"])
        await pilot.press("tab")  # completes the name; the list goes on to its argument
        await until(pilot, lambda: prompt.text == "/model " and "gpt-4o-mini" in listed(app))
        assert listed(app)[0] == "test-model"  # the current model first
        await pilot.press(*"gpt-4o")
        await until(pilot, lambda: listed(app)[:2] == ["gpt-4o-mini", "gpt-4o"])
        await pilot.press("tab")
        assert prompt.text == "/model gpt-4o-mini"
        await pilot.press("tab")  # again: the next one
        assert prompt.text == "/model gpt-4o"
        await pilot.press("escape")  # closes the list, stops nothing
        await until(pilot, lambda: not app.query_one(CompletionList).is_open)
        assert prompt.text == "/model gpt-4o"
        await pilot.press("tab")  # opens it again
        await until(pilot, lambda: app.query_one(CompletionList).is_open)

        prompt.clear()
        await pilot.press(*"/provider anth")
        await until(pilot, lambda: listed(app) == ["anthropic"])
        assert "needs ANTHROPIC_API_KEY" in app.query_one(CompletionList).candidates[0].help
        await pilot.press("tab")
        await until(pilot, lambda: prompt.text == "/provider anthropic " and listed(app)[:1] == ["claude-sonnet-4-5"])

        prompt.clear()
        await pilot.press(*"/toolset al", "tab")
        await until(pilot, lambda: prompt.text == "/toolset alpha " and listed(app) == ["on", "off"])

        prompt.clear()
        await pilot.press(*f"/load {tmp_path}/ch")
        await until(pilot, lambda: listed(app) == ["chat-one.json", "chats/"])  # no hidden file
        await pilot.press("down", "enter")  # Enter takes the row moved to, and sends nothing
        await until(pilot, lambda: prompt.text == f"/load {tmp_path}/chats/")
        assert app.query(InfoNote).last().border_title != "load"

        prompt.clear()
        await pilot.press(*"/export j", "tab", *str(tmp_path), "/", "c", "h", "a", "t", "-")
        await until(pilot, lambda: prompt.text == f"/export json {tmp_path}/chat-" and listed(app) == ["chat-one.json"])


async def test_up_and_down_walk_history_unless_the_list_is_open(openai_server):
    app = make_app(openai_server.base_url, persist=False)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        for text_ in ("/cost", "/servers"):
            await say(pilot, text_)
        prompt.focus()
        await pilot.press("up")  # a prompt from history opens no list: Up goes on walking
        assert prompt.text == "/servers" and not app.query_one(CompletionList).is_open
        await pilot.press("up")
        assert prompt.text == "/cost"
        prompt.clear()
        await pilot.press("/", "c")
        await until(pilot, lambda: listed(app) == ["/clear", "/compact", "/cost", "/copy"])
        completion = app.query_one(CompletionList)
        await pilot.press("down", "down")
        assert completion.highlighted == 2 and prompt.text == "/c"
        await pilot.press("up")
        assert completion.highlighted == 1 and prompt.text == "/c"
        await pilot.click(CompletionList, offset=(3, 3))  # a click takes its row
        await until(pilot, lambda: prompt.text == "/copy")
        assert app.focused is prompt
        prompt.clear()
        await pilot.press(*"/nonsense", "tab")  # nothing to complete: Tab moves on as it always did
        assert app.focused is not prompt


async def test_the_model_key_is_in_the_footer_once_the_engine_is_there():
    release = threading.Event()

    def starter(confirm):
        release.wait(GENEROUS)
        return ChatEngine(engine_settings(refused_base_url(), persist=False), [unruly_server()]), []

    app = McpTuiApp(starter=starter)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Model" not in [k.description for k in app.query(FooterKey)]  # nothing to switch yet
        release.set()
        await until(pilot, lambda: app.engine is not None)
        await until(pilot, lambda: "Model" in [k.description for k in app.query(FooterKey)])  # with no focus change
    await app.engine.aclose()


def test_help_names_the_picker_and_completion_keys():
    from rich.console import Console

    from mcp_tui.ui.screens.help import help_table

    console = Console(width=200, record=True)
    console.print(help_table())
    shown = console.export_text()
    assert "F4" in shown and "switch model or provider" in shown
    assert "/ then Tab" in shown and "close the / list" in shown
