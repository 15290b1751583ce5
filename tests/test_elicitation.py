"""Elicitation (a server asks the user, MCP elicitation/create): the form read from a schema,
the timeout held while the user answers, and the headless `--elicit` policy against the real
server-everything. The TUI's form: test_ui_elicitation.py; the official suite's SEP-1034
scenario: test_conformance.py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.models.elicitation import FormError, check_all, default_answer, parse_form
from mcp_tui.models.events import parse_event
from mcp_tui.servers.user_wait import UserWait
from tests.support.limits import GENEROUS, SHORT
from tests.support.npm_servers import everything_entry
from tests.support.openai_server import _content_text, call, text_in, tool_calls

FORM_TOOL = "ev__trigger-elicitation-request"
URL_TOOL = "ev__trigger-url-elicitation"

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Name", "minLength": 2, "maxLength": 20},
        "email": {"type": "string", "format": "email"},
        "site": {"type": "string", "format": "uri"},
        "born": {"type": "string", "format": "date"},
        "age": {"type": "integer", "minimum": 1, "maximum": 130, "default": 30},
        "score": {"type": "number", "default": 95.5},
        "ok": {"type": "boolean", "default": True},
        "pet": {"type": "string", "enum": ["p1", "p2"], "enumNames": ["Cats", "Dogs"], "default": "p2"},
        "hero": {"type": "string", "oneOf": [{"const": "h1", "title": "Superman"}, {"const": "h2", "title": "Wonder Woman"}]},
        "fish": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"anyOf": [{"const": "f1", "title": "Tuna"}, {"const": "f2", "title": "Trout"}, {"const": "f3", "title": "Cod"}]}},
        "tools": {"type": "array", "items": {"type": "string", "enum": ["saw", "drill"]}, "default": ["saw"]},
    },
    "required": ["name", "age"],
}


def everything() -> ServerConfig:
    return ServerConfig(name="ev", command="node", args=[str(everything_entry())])


def call_as_told(body: dict[str, Any]):
    """A model that calls the tool the user names ("call NAME {json arguments}") and then
    answers with the tool's result."""
    messages = body.get("messages") or [{}]
    if messages[-1].get("role") == "tool":
        return text_in("Result: " + _content_text(messages[-1].get("content")), 3)
    user = next(_content_text(m.get("content")) for m in reversed(messages) if m.get("role") == "user")
    _, name, *rest = user.split(" ", 2)
    return tool_calls(call(name, json.loads(rest[0]) if rest else {}))


# ---------------------------------------------------------------- the form read from a schema


def test_the_schema_becomes_fields_of_every_kind():
    fields = {f.name: f for f in parse_form(SCHEMA)}
    assert [f.kind for f in fields.values()] == ["string"] * 4 + ["integer", "number", "boolean", "choice", "choice", "multi", "multi"]
    assert fields["name"].required and fields["age"].required and not fields["email"].required
    assert [(c.value, c.label) for c in fields["pet"].choices] == [("p1", "Cats"), ("p2", "Dogs")]  # legacy enumNames
    assert [c.label for c in fields["hero"].choices] == ["Superman", "Wonder Woman"]  # oneOf titles
    assert [c.value for c in fields["fish"].choices] == ["f1", "f2", "f3"]  # multi-select, SEP-1330
    assert (fields["age"].default, fields["ok"].default, fields["tools"].default) == (30, True, ["saw"])
    assert fields["age"].hint() == "a whole number, from 1 to 130"


def test_values_are_checked_and_sent_with_the_schemas_types():
    fields = parse_form(SCHEMA)
    typed = {"name": "Ada", "email": "ada@example.com", "site": "https://ada.dev", "born": "1815-12-10", "age": "36",
             "score": "99.5", "ok": False, "pet": "p1", "hero": "h2", "fish": ["f1", "f3"], "tools": []}
    content, problems = check_all(fields, typed)
    assert problems == {}
    assert content == {"name": "Ada", "email": "ada@example.com", "site": "https://ada.dev", "born": "1815-12-10", "age": 36,
                       "score": 99.5, "ok": False, "pet": "p1", "hero": "h2", "fish": ["f1", "f3"]}
    assert type(content["age"]) is int and type(content["score"]) is float and content["ok"] is False

    bad = {"name": "A", "email": "ada", "site": "ada.dev", "born": "10/12/1815", "age": "3.5", "score": "x", "fish": ["f1", "f2", "f3"]}
    _, problems = check_all(fields, bad)
    assert problems == {
        "name": "must be from 2 to 20 characters", "email": "enter an email address, like name@example.com",
        "site": "enter a full URL, like https://example.com", "born": "enter a date as YYYY-MM-DD",
        "age": "enter a whole number", "score": "enter a number", "fish": "choose from 1 to 2",
    }
    content, problems = check_all(fields, {"name": "", "age": "131", "fish": [], "email": ""})
    assert problems == {"name": "required", "age": "must be from 1 to 130"}  # what is left empty is left out
    assert content == {}


def test_accept_defaults_needs_a_default_for_every_required_field():
    assert default_answer(parse_form(SCHEMA)) == (None, "required field name has no default")
    with_name = {**SCHEMA, "required": ["age"]}
    assert default_answer(parse_form(with_name)) == ({"age": 30, "score": 95.5, "ok": True, "pet": "p2", "tools": ["saw"]}, "")


def test_a_nested_schema_is_refused():
    with pytest.raises(FormError, match="'address' has type 'object'"):
        parse_form({"type": "object", "properties": {"address": {"type": "object", "properties": {}}}})


# ---------------------------------------------------------------- the timeout held while the user answers


async def test_a_call_timeout_is_held_while_the_server_waits_on_the_user():
    wait = UserWait()
    never = asyncio.Event()

    async def tool_call() -> None:
        async with wait.timeout(SHORT):
            await never.wait()  # only the timeout ends it

    with wait.asking():
        task = asyncio.create_task(tool_call())
        await asyncio.sleep(SHORT * 4)  # the question stays open for longer than the whole timeout
        assert not task.done()
    with pytest.raises(TimeoutError):  # answered: the timeout goes on, and ends the call
        await asyncio.wait_for(task, GENEROUS)

    started = asyncio.create_task(tool_call())
    await asyncio.sleep(0)  # the call's clock runs before the question comes
    with wait.asking():
        await asyncio.sleep(SHORT * 4)
        assert not started.done()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(started, GENEROUS)


# ---------------------------------------------------------------- headless: --elicit against server-everything


def run_headless(tmp_path, base_url: str, prompt: str, *flags: str) -> subprocess.CompletedProcess:
    config = tmp_path / "server_config.json"
    server = everything()
    config.write_text(json.dumps({"mcpServers": {"ev": {"command": server.command, "args": server.args}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", base_url,
         "--api-key", "sk-test", "--config", str(config), "--approve", "auto", "--prompt", prompt, *flags],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )


def tool_result(openai_server) -> str:
    last = openai_server.requests[-1]["messages"][-1]
    assert last["role"] == "tool"
    return last["content"]


@pytest.mark.parametrize(
    "flags,action,said",
    [
        # the form's name is required and has no default: accept-defaults declines, and says why
        (["--elicit", "accept-defaults"], "decline", "(--elicit accept-defaults): required field name has no default"),
        (["--elicit", "cancel"], "cancel", "(--elicit cancel)"),
        ([], "decline", "(--elicit decline)"),  # the default
    ],
)
def test_headless_answers_a_form_by_its_policy(tmp_path, openai_server, flags, action, said):
    openai_server.responder = call_as_told
    result = run_headless(tmp_path, openai_server.base_url, f"call {FORM_TOOL}", *flags)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stderr.splitlines() if line.startswith("elicitation from ev:"))
    assert "'Please provide inputs for the following fields:' asked a form (name, check, firstLine" in line
    assert f"→ {action}" in line and line.endswith(said)
    assert {"decline": "User declined", "cancel": "User cancelled"}[action] in tool_result(openai_server)


def test_headless_declines_a_url_and_json_shows_the_question(tmp_path, openai_server):
    """A URL elicitation headless is declined even with accept-defaults: nobody is there to open
    it. (A form of defaults accepted: the suite's SEP-1034 scenario in test_conformance.)"""
    openai_server.responder = call_as_told
    args = json.dumps({"url": "https://example.com/pay?order=7", "elicitationId": "e-7"})
    result = run_headless(tmp_path, openai_server.base_url, f"call {URL_TOOL} {args}", "--elicit", "accept-defaults", "--json")
    assert result.returncode == 0, result.stderr
    events = [parse_event(line) for line in result.stdout.splitlines()]
    asked = [e for e in events if e.type == "elicitation"]
    assert len(asked) == 1 and asked[0].mode == "url" and asked[0].url == "https://example.com/pay?order=7"
    assert asked[0].action == "decline" and asked[0].why == "nobody can open a URL headless"
    assert "elicitation from ev: 'Please open the link to complete this action.' asked a URL to open (https://example.com/pay?order=7) → decline" in result.stderr
    assert "User declined to open the URL (Elicitation ID: e-7)" in tool_result(openai_server)


def test_headless_says_which_url_a_refused_call_needs(tmp_path, openai_server):
    """-32042 headless: nobody can open the URL, so the call fails, and the model is told which
    URL the user must open (instead of a bare error code)."""
    openai_server.responder = call_as_told
    args = json.dumps({"url": "https://example.com/pay?order=8", "errorPath": True})
    result = run_headless(tmp_path, openai_server.base_url, f"call {URL_TOOL} {args}", "--elicit", "accept-defaults")
    assert result.returncode == 0, result.stderr
    assert "asked a URL to open (https://modelcontextprotocol.io) → decline (--elicit accept-defaults): nobody can open a URL headless" in result.stderr
    told = tool_result(openai_server)
    assert "ev needs a step in the browser first (Open this link to satisfy the prerequisite, then retry the request.): " \
           "https://modelcontextprotocol.io was not opened (decline)" in told
