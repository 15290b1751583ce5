"""MCP prompts and resources in the TUI, driven with Pilot against the real engine, the local
OpenAI server and server-everything: `/everything:` completes prompts and their arguments,
`@` completes resources and template variables, attachments show as chips and reach the
model, resource links open from the tool detail screen; snapshots of the resource viewer."""

from __future__ import annotations

import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.ui.screens.resource_viewer import ResourceViewer
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.widgets.attachment import AttachmentChip
from mcp_tui.ui.widgets.chat import InfoNote, UserMessage
from mcp_tui.ui.widgets.completion import CompletionList
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.ui.widgets.timeline import ToolTimeline, saved_calls
from tests.support.limits import GENEROUS
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import call, text, tool_calls
from tests.ui_helpers import make_app, on_top, settle, turn, until

SIZE = (120, 40)
DOC = "demo://resource/static/document/architecture.md"


def everything() -> ServerConfig:
    return ServerConfig(name="everything", command="node", args=[str(everything_entry())])


def rows(app) -> list[str]:
    return [c.text for c in app.query_one(CompletionList).candidates]


async def typed(pilot, text: str) -> None:
    """Type `text` key by key into the prompt (as a user does: the list follows the typing)."""
    pilot.app.query_one(PromptInput).focus()
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def ready(pilot, app) -> None:
    await app.engine.servers.wait_settled(GENEROUS)
    await until(pilot, lambda: bool(app.engine.servers.prompts()))


async def test_prompts_complete_as_slash_commands_with_server_values(openai_server):
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await typed(pilot, "/everything:")
        await until(pilot, lambda: "/everything:args-prompt " in rows(app))
        assert "/everything:simple-prompt" in rows(app)  # no arguments: nothing follows it
        field = app.query_one(PromptInput)
        field.load_text("")
        await typed(pilot, "/everything:completable-prompt ")
        await until(pilot, lambda: rows(app) == ["/everything:completable-prompt department=", "/everything:completable-prompt name="])
        await pilot.press("tab")
        assert field.text == "/everything:completable-prompt department="
        await pilot.press("E")  # the server's completion/complete answers
        await until(pilot, lambda: rows(app) == ["/everything:completable-prompt department=Engineering "])
        await pilot.press("tab")
        await typed(pilot, "name=")
        await until(pilot, lambda: rows(app)[:1] == ["/everything:completable-prompt department=Engineering name=Alice "])


async def test_a_prompt_runs_as_a_turn_and_required_arguments_are_checked(openai_server):
    openai_server.enqueue(text("Rainy."))
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        field = app.query_one(PromptInput)
        field.load_text("/everything:args-prompt state=TX")
        await pilot.press("enter")
        await until(pilot, lambda: any("needs city (Name of the city)" in str(n.render()) for n in app.query(InfoNote)))
        assert field.text == "/everything:args-prompt state=TX"  # left to fix
        assert not openai_server.requests
        field.load_text('/everything:args-prompt city="New York" state=NY')
        await pilot.press("enter")
        await until(pilot, lambda: len(openai_server.requests) == 1 and not app.engine.busy)
        assert openai_server.requests[0]["messages"][-1] == {"role": "user", "content": "What's weather in New York, NY?"}
        assert "What's weather in New York, NY?" in [str(m.render()) for m in app.query(UserMessage)]


async def test_at_completes_resources_and_attaches_them(openai_server):
    openai_server.enqueue(text("A server."))
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await typed(pilot, "explain @archi")
        await until(pilot, lambda: rows(app) == [f"explain @everything:{DOC} "])
        await pilot.press("tab")
        field = app.query_one(PromptInput)
        assert field.text == f"explain @everything:{DOC} "
        await pilot.press("enter")
        await until(pilot, lambda: len(openai_server.requests) == 1 and not app.engine.busy)
        chip = app.query_one(AttachmentChip)
        assert chip.label.startswith(f"everything:{DOC} · text/markdown · ")
        assert "# Everything Server" in openai_server.requests[0]["messages"][-1]["content"]
        assert [str(m.render()) for m in app.query(UserMessage)] == [f"explain @everything:{DOC}"]
        await app.redraw_conversation()  # as a resumed session is drawn: the typed text and a chip, not the document
        await until(pilot, lambda: [c.label for c in app.query(AttachmentChip)] == [f"everything:{DOC} · text/markdown"])
        assert [str(m.render()) for m in app.query(UserMessage)] == [f"explain @everything:{DOC}"]


async def test_at_completes_template_variables(openai_server):
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await typed(pilot, "@everything:demo://resource/dynamic/t")
        await until(pilot, lambda: rows(app) == ["@everything:demo://resource/dynamic/text/"])
        await pilot.press("tab")
        await pilot.press("4")
        await until(pilot, lambda: rows(app) == ["@everything:demo://resource/dynamic/text/4 "])


async def test_resource_link_opens_from_the_tool_detail(openai_server):
    openai_server.enqueue(tool_calls(call("everything__get-resource-links", {"count": 2}, id="l")), text("Two links."))
    app = make_app(openai_server.base_url, [everything()], persist=False, approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await turn(pilot, "links")
        await pilot.press("ctrl+t")
        assert app.focused is app.query_one(ToolTimeline)
        await pilot.press("enter")
        await until(pilot, lambda: on_top(app, ToolDetailScreen))
        assert [link.uri for link in app.screen.record.links] == ["demo://resource/dynamic/blob/1", "demo://resource/dynamic/text/2"]
        app.screen.query_one("#links").highlighted = 1
        await pilot.press("o")
        await until(pilot, lambda: on_top(app, ResourceViewer))
        assert app.screen.uri == "demo://resource/dynamic/text/2"
        assert app.screen.result.contents[0].text.startswith("Resource 2: This is a plaintext resource")
        # the same call redrawn from the saved history (resume): its links open too
        saved = next(r for r in saved_calls(app.engine.context.history.messages, []) if r.call_id == "l")
        assert [link.uri for link in saved.links] == ["demo://resource/dynamic/blob/1", "demo://resource/dynamic/text/2"]


async def test_prompts_and_resources_listings(openai_server):
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await turn_free(pilot, "/prompts")
        await until(pilot, lambda: any(n.border_title == "4 prompts" for n in app.query(InfoNote)))
        await turn_free(pilot, "/resources")
        await until(pilot, lambda: any("7 resources, 2 templates" in str(n.render()) for n in app.query(InfoNote)))


def first_hit(app) -> str:
    """The palette's first entry, once it lists any."""
    lists = app.screen.query("CommandList")
    return str(lists.first().get_option_at_index(0).prompt) if lists and lists.first().option_count else ""


async def turn_free(pilot, command: str) -> None:
    field = pilot.app.query_one(PromptInput)
    field.load_text(command)
    await pilot.press("enter")


@pytest.mark.usefixtures("fixed_message_times")
@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_resource_viewer(snap_compare, size, openai_server):
    import mcp_types as types

    app = make_app(persist=False)
    result = types.ReadResourceResult(
        contents=[
            types.TextResourceContents(uri="demo://notes/today.md", mime_type="text/markdown", text="# Today\n\n- write the tests\n- [bold]not markup[/bold]\n"),
            types.BlobResourceContents(uri="demo://notes/logo.png", mime_type="image/png", blob="iVBORw0KGgo="),
        ]
    )

    async def run_before(pilot):
        await pilot.app.push_screen(ResourceViewer("notes", "demo://notes/today.md", result))
        await until(pilot, lambda: on_top(app, ResourceViewer))
        await settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_a_changed_attachment_is_announced(openai_server):
    openai_server.enqueue(text("Noted."))
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await turn(pilot, f"keep an eye on @everything:{DOC}")
        await app.engine.servers.call("everything__toggle-subscriber-updates", {})  # the server announces changes from now on
        try:
            await until(pilot, lambda: any(f"Resource {DOC} (everything) changed" in str(n.message) for n in app._notifications))
        finally:
            await app.engine.servers.call("everything__toggle-subscriber-updates", {})


async def test_palette_offers_the_prompts(openai_server):
    openai_server.enqueue(text("Hello."))
    app = make_app(openai_server.base_url, [everything()], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "args-prompt":
            await pilot.press(ch)
        await until(pilot, lambda: "Prompt: everything:args-prompt" in first_hit(app))
        await pilot.press("enter")
        field = app.query_one(PromptInput)
        await until(pilot, lambda: field.text == "/everything:args-prompt ")
        await until(pilot, lambda: rows(app) == ["/everything:args-prompt city=", "/everything:args-prompt state="])


async def test_server_text_in_the_palette_is_not_markup(openai_server, tmp_path):
    import sys
    from pathlib import Path

    catalog = str(Path(__file__).parent / "servers" / "catalog_server.py")
    app = make_app(openai_server.base_url, [ServerConfig(name="cat", command=sys.executable, args=[catalog])], persist=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "greet":
            await pilot.press(ch)
        await until(pilot, lambda: "Prompt: cat:greet" in first_hit(app))
        assert "Greet someone [bold]loudly[/bold] [@click=app.quit]now[/]" in first_hit(app)  # literal, no live action
