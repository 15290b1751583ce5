"""The TUI's answer to a server's question (elicitation), with the real server-everything asking
while its tool call runs: the form is filled and checked, and what the server gets is typed as
its schema says; decline and cancel; a URL opened in the browser."""

from __future__ import annotations

import json
import shlex
import sys
import webbrowser

import pytest
from textual.widgets import SelectionList, Static

from mcp_tui.ui.screens.elicitation import ElicitationScreen, UrlElicitationScreen
from mcp_tui.ui.widgets.timeline import ToolTimeline
from tests.test_elicitation import FORM_TOOL, URL_TOOL, call_as_told, everything
from tests.ui_helpers import make_app, on_top, say, settle, until

SIZE = (120, 40)


def field(form: ElicitationScreen, name: str):
    index = [f.name for f in form.request.fields].index(name)
    return form.query_one(f"#field-{index}")


def error_of(form: ElicitationScreen, name: str) -> str:
    index = [f.name for f in form.request.fields].index(name)
    shown = form.query_one(f"#error-{index}", Static)
    return str(shown.content) if shown.display else ""


def tool_result(app) -> str:
    return next(m.content for m in reversed(app.engine.context.history.messages) if m.role.value == "tool")


async def asked(pilot, prompt: str, screen_type):
    app = pilot.app
    await settle(pilot, app)
    await say(pilot, prompt)
    await until(pilot, lambda: on_top(app, screen_type))
    return app.screen


async def test_the_form_is_checked_and_sends_typed_values(openai_server):
    openai_server.responder = call_as_told
    app = make_app(openai_server.base_url, [everything()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        form = await asked(pilot, f"call {FORM_TOOL}", ElicitationScreen)
        assert str(form.query_one("#elicitation-message", Static).content) == "Please provide inputs for the following fields:"
        assert str(form.query_one("#elicitation").border_title) == "ev asks"
        # asked during the tool call: it runs on, and its timeout is held meanwhile
        assert [r.state for r in app.query_one(ToolTimeline).records.values()] == ["running"]
        assert app.engine.servers._conns["ev"].user_wait.holding
        # defaults are there (SEP-1034)
        assert field(form, "integer").value == "42" and field(form, "firstLine").value == "It was a dark and stormy night."
        assert list(field(form, "untitledMultipleSelectEnum").selected) == ["Guitar"]

        await pilot.press("ctrl+s")  # the required name is empty
        await pilot.pause()
        assert on_top(app, ElicitationScreen) and error_of(form, "name") == "⚠ String: required"
        assert app.focused is field(form, "name")
        await pilot.press(*"Ada")
        field(form, "email").value = "ada-at-home"
        field(form, "integer").value = "500"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert on_top(app, ElicitationScreen) and error_of(form, "name") == ""
        assert error_of(form, "email") == "⚠ String with email format: enter an email address, like name@example.com"
        assert error_of(form, "integer") == "⚠ Integer: must be from 1 to 100"

        field(form, "email").value = "ada@example.com"
        field(form, "integer").value = "7"
        field(form, "check").focus()
        await pilot.press("space")  # the checkbox
        picks: SelectionList = field(form, "untitledMultipleSelectEnum")
        picks.focus()
        await pilot.press("down", "space")  # Piano too
        field(form, "name").focus()
        await pilot.press("enter")  # Enter in a text box sends the form
        await until(pilot, lambda: not on_top(app, ElicitationScreen) and not app.engine.busy)

        result = tool_result(app)
        assert "User provided the requested information" in result
        sent = json.loads(result.split("Raw result:", 1)[1])
        assert sent["action"] == "accept"
        content = sent["content"]
        assert content["name"] == "Ada" and content["email"] == "ada@example.com" and content["check"] is True
        assert content["integer"] == 7 and content["number"] == 3.14 and content["firstLine"] == "It was a dark and stormy night."
        assert content["untitledMultipleSelectEnum"] == ["Guitar", "Piano"] and content["titledSingleSelectEnum"] == "hero-1"
        assert "homepage" not in content  # left empty: left out
        assert not app.engine.servers._conns["ev"].user_wait.holding


@pytest.mark.parametrize("key,said", [("ctrl+n", "User declined to provide the requested information"), ("escape", "User cancelled the elicitation dialog")])
async def test_decline_and_cancel_are_what_the_server_hears(openai_server, key, said):
    openai_server.responder = call_as_told
    app = make_app(openai_server.base_url, [everything()], approve="auto")
    async with app.run_test(size=SIZE) as pilot:
        await asked(pilot, f"call {FORM_TOOL}", ElicitationScreen)
        await pilot.press(key)
        await until(pilot, lambda: not app.engine.busy)
        assert said in tool_result(app)
        assert [r.state for r in app.query_one(ToolTimeline).records.values()] == ["done"]  # Esc cancelled the question, not the turn


async def test_a_url_is_shown_and_opened_in_the_browser(openai_server, tmp_path, monkeypatch):
    opened = tmp_path / "opened.txt"
    helper = f"import sys, pathlib; pathlib.Path({str(opened)!r}).write_text(sys.argv[1])"
    monkeypatch.setenv("BROWSER", f"{shlex.quote(sys.executable)} -c {shlex.quote(helper)} %s")
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read BROWSER again, whatever ran before
    openai_server.responder = call_as_told
    app = make_app(openai_server.base_url, [everything()], approve="auto")
    url = "https://example.com/pay?order=7"
    async with app.run_test(size=SIZE) as pilot:
        dialog = await asked(pilot, f"call {URL_TOOL} " + json.dumps({"url": url, "elicitationId": "e-7"}), UrlElicitationScreen)
        assert url in str(dialog.query_one("#elicitation-link", Static).content)
        assert "elicitation id e-7" in [str(s.content) for s in dialog.query(Static)]
        await pilot.press("o")
        await until(pilot, lambda: not app.engine.busy)
        assert opened.read_text() == url
        assert "User completed the URL elicitation flow.\nElicitation ID: e-7" in tool_result(app)


async def test_a_call_refused_until_a_url_is_opened_goes_again_once_it_was(openai_server):
    """-32042 (URL elicitation required): the URL it names is put to the user; accepted, the
    call is made again, and this time the server asks its own question, answered too."""
    openai_server.responder = call_as_told
    app = make_app(openai_server.base_url, [everything()], approve="auto")
    url = "https://example.com/pay?order=8"
    async with app.run_test(size=SIZE) as pilot:
        first = await asked(pilot, f"call {URL_TOOL} " + json.dumps({"url": url, "errorPath": True}), UrlElicitationScreen)
        assert first.request.url == "https://modelcontextprotocol.io"  # the prerequisite the error named
        await pilot.press("enter")
        await until(pilot, lambda: on_top(app, UrlElicitationScreen) and app.screen is not first)
        assert app.screen.request.url == url  # the call went again: the server's own question
        await pilot.press("enter")
        await until(pilot, lambda: not app.engine.busy)
        assert "User completed the URL elicitation flow." in tool_result(app)
