"""MCP prompts and resources against the real server-everything (npm, over stdio): listed at
start, got with arguments, completed, read, attached to a message, subscribed, and resource
links in tool results. The engine tests check what the local OpenAI server received."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import mcp_types as types
import pytest

from mcp_tui.config.models import ServerConfig
from mcp_tui.engine.mcp_input import InputError
from mcp_tui.models.events import ResourceChanged, ToolCallFinished
from mcp_tui.servers import ServerManager
from mcp_tui.servers.catalog import CatalogError, template_variables
from mcp_tui.servers.results import links_in
from tests.engine_helpers import run
from tests.support.limits import GENEROUS, eventually
from tests.support.openai_server import call, text, tool_calls
from tests.support.npm_servers import everything_entry

DOC = "demo://resource/static/document/architecture.md"
CATALOG = str(Path(__file__).parent / "servers" / "catalog_server.py")
TEXT_TEMPLATE = "demo://resource/dynamic/text/{resourceId}"


def everything(name: str = "everything") -> ServerConfig:
    return ServerConfig(name=name, command="node", args=[str(everything_entry())])


@pytest.fixture
async def manager(tmp_path):
    manager = ServerManager([everything()], log_dir=tmp_path)
    await manager.start()
    await manager.wait_settled(GENEROUS)
    yield manager
    await manager.aclose()


async def test_prompts_resources_and_templates_are_listed_at_start(manager):
    prompts = {p.name: p for p in manager.prompts()}
    assert {"simple-prompt", "args-prompt", "completable-prompt", "resource-prompt"} <= set(prompts)
    args = prompts["args-prompt"]
    assert args.server == "everything" and args.required == ["city"]
    assert [a.name for a in args.arguments] == ["city", "state"]
    uris = {r.uri: r for r in manager.resources()}
    assert DOC in uris and uris[DOC].mime_type == "text/markdown" and uris[DOC].name == "architecture.md"
    templates = {t.uri_template: t for t in manager.templates()}
    assert templates[TEXT_TEMPLATE].variables == ["resourceId"]


async def test_prompt_get_complete_and_read(manager):
    result = await manager.get_prompt("everything", "args-prompt", {"city": "Paris", "state": "TX"})
    assert result.messages[0].content.text == "What's weather in Paris, TX?"
    ref = types.PromptReference(name="completable-prompt")
    assert await manager.complete("everything", ref, "department", "E") == ["Engineering"]
    # the second argument's values depend on the first, sent as context
    assert await manager.complete("everything", ref, "name", "", {"department": "Sales"}) == ["David", "Eve", "Frank"]
    template = types.ResourceTemplateReference(uri=TEXT_TEMPLATE)
    assert await manager.complete("everything", template, "resourceId", "7") == ["7"]
    read = await manager.read_resource("everything", DOC)
    assert "Architecture" in read.contents[0].text
    with pytest.raises(CatalogError, match="refused prompt"):
        await manager.get_prompt("everything", "resource-prompt", {"resourceType": "Nope", "resourceId": "1"})
    with pytest.raises(CatalogError, match="no server named"):
        await manager.read_resource("nobody", DOC)


async def test_subscribed_resource_update_reaches_the_listeners(manager):
    seen: list[tuple[str, str]] = []
    got = asyncio.Event()

    def listener(server: str, uri: str) -> None:
        seen.append((server, uri))
        got.set()

    manager.resource_listeners.append(listener)
    assert await manager.subscribe("everything", DOC)
    await manager.call("everything__toggle-subscriber-updates", {})  # the server then says "updated" for what we subscribed to
    try:
        await asyncio.wait_for(got.wait(), GENEROUS)
    finally:
        await manager.call("everything__toggle-subscriber-updates", {})
    assert seen[0] == ("everything", DOC)


async def test_list_changed_lists_prompts_and_resources_again(tmp_path):
    manager = ServerManager([ServerConfig(name="cat", command=sys.executable, args=[CATALOG])], log_dir=tmp_path)
    await manager.start()
    try:
        await manager.wait_settled(GENEROUS)
        assert [p.name for p in manager.prompts()] == ["greet"] and [r.uri for r in manager.resources()] == ["note://first"]
        await manager.call("cat__add_more", {})
        # the notifications' refresh
        await eventually(lambda: len(manager.prompts()) >= 2 and len(manager.resources()) >= 2, "prompts and resources listed again")
        assert {p.name for p in manager.prompts()} == {"greet", "farewell"}
        assert {r.uri for r in manager.resources()} == {"note://first", "note://second"}
    finally:
        await manager.aclose()


def test_template_variables():
    assert template_variables("demo://x/{a}/y{?b,c}{+d}") == ["a", "b", "c", "d"]


async def test_resource_links_in_tool_results(manager):
    result = await manager.call("everything__get-resource-links", {"count": 2})
    assert [link.uri for link in result.links] == ["demo://resource/dynamic/blob/1", "demo://resource/dynamic/text/2"]
    assert result.links[1].name == "Text Resource 2" and result.links[1].mime_type == "text/plain"
    assert "[resource link demo://resource/dynamic/text/2: Text Resource 2, text/plain]" in result.text
    # a saved session has only the text: the links are read back from it (its tool detail opens them)
    assert [(x.uri, x.name, x.mime_type) for x in links_in(result.text)] == [(x.uri, x.name, x.mime_type) for x in result.links]


# -- the engine: what the provider receives ---------------------------------------------


async def test_prompt_with_arguments_becomes_the_turns_messages(openai_server, make_engine):
    openai_server.enqueue(text("Sunny."))
    engine = await make_engine([everything()])
    await engine.servers.wait_settled(GENEROUS)
    entry = await engine.prompt_input("everything", "resource-prompt", {"resourceType": "Text", "resourceId": "3"})
    events = await run(engine, entry)
    assert events[-1].type == "turn_finished"
    sent = openai_server.requests[-1]["messages"]
    last = sent[-1]
    assert last["role"] == "user"  # the prompt's two user blocks, one message
    assert last["content"].startswith("This prompt includes the Text resource with id: 3.")
    assert "[resource demo://resource/dynamic/text/3, text/plain]\nResource 3: This is a plaintext resource" in last["content"]
    assert entry.text == "/everything:resource-prompt resourceType=Text resourceId=3"


async def test_attached_resource_is_sent_with_the_message(openai_server, make_engine):
    openai_server.enqueue(text("It is a server."), text("Again."))
    engine = await make_engine([everything()])
    await engine.servers.wait_settled(GENEROUS)
    entry = await engine.attach(f"what is this? @everything:{DOC}")
    assert [a.uri for a in entry.attachments] == [DOC]
    await run(engine, entry)
    content = openai_server.requests[-1]["messages"][-1]["content"]
    assert content.startswith(f"what is this? @everything:{DOC}")
    assert f'<resource server="everything" uri="{DOC}" mime="text/markdown" note="attached">\n# Everything Server' in content
    stats = await engine.context.get_token_stats()
    assert stats.context_tokens > engine.context.text_tokens("what is this?") + 500  # the document is counted
    # binary: a placeholder with its type and size
    entry = await engine.attach("and @everything:demo://resource/dynamic/blob/4")
    await run(engine, entry)
    content = openai_server.requests[-1]["messages"][-1]["content"]
    assert "[binary content of demo://resource/dynamic/blob/4: text/plain," in content and "bytes, not shown to the model]" in content
    with pytest.raises(InputError, match="Could not read @everything:demo://nothing"):
        await engine.attach("@everything:demo://nothing")


async def test_changed_attachment_is_noticed_and_read_again(openai_server, make_engine):
    openai_server.enqueue(text("ok"), text("ok again"))
    engine = await make_engine([everything()])
    await engine.servers.wait_settled(GENEROUS)
    events: list = []
    changed = asyncio.Event()

    def listen(event) -> None:
        if isinstance(event, ResourceChanged):
            events.append(event)
            changed.set()

    engine.listeners.append(listen)
    await run(engine, await engine.attach(f"read @everything:{DOC}"))
    await engine.servers.call("everything__toggle-subscriber-updates", {})
    try:
        await asyncio.wait_for(changed.wait(), GENEROUS)
    finally:
        await engine.servers.call("everything__toggle-subscriber-updates", {})
    assert (events[0].server, events[0].uri) == ("everything", DOC)
    await run(engine, await engine.attach("anything new?"))
    content = openai_server.requests[-1]["messages"][-1]["content"]
    assert content.startswith("anything new?") and f'uri="{DOC}" mime="text/markdown" note="changed since it was attached' in content


async def test_tool_result_links_reach_the_faces(openai_server, make_engine):
    openai_server.enqueue(tool_calls(call("everything__get-resource-links", {"count": 1})), text("Here."))
    engine = await make_engine([everything()], approve="auto")
    await engine.servers.wait_settled(GENEROUS)
    events = await run(engine, "links please")
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert [link.uri for link in finished.links] == ["demo://resource/dynamic/blob/1"]


# -- headless: the real CLI as a subprocess -----------------------------------------------


def headless(tmp_path, base_url: str, prompt: str) -> subprocess.CompletedProcess:
    config = tmp_path / "servers.json"
    config.write_text(json.dumps({"mcpServers": {"everything": {"command": "node", "args": [str(everything_entry())]}}}))
    env = {**os.environ, "MCP_TUI_HOME": str(tmp_path / "home"), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    return subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--provider", "openai", "--model", "test-model", "--api-base", base_url,
         "--api-key", "sk-test", "--config", str(config), "--prompt", prompt],
        capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path,
    )


def test_headless_runs_a_prompt_and_attaches_a_resource(tmp_path, openai_server):
    openai_server.enqueue(text("Cloudy."), text("Read it."))
    result = headless(tmp_path, openai_server.base_url, '/everything:args-prompt city="San Jose" state=CA')
    assert result.returncode == 0, result.stderr
    assert "Cloudy." in result.stdout
    assert openai_server.requests[-1]["messages"][-1] == {"role": "user", "content": "What's weather in San Jose, CA?"}
    result = headless(tmp_path, openai_server.base_url, f"summarise @everything:{DOC}")
    assert result.returncode == 0, result.stderr
    assert "# Everything Server" in openai_server.requests[-1]["messages"][-1]["content"]


def test_headless_says_what_a_prompt_lacks(tmp_path, openai_server):
    result = headless(tmp_path, openai_server.base_url, "/everything:args-prompt state=CA")
    assert result.returncode == 2
    assert "everything:args-prompt needs city (Name of the city). Usage: /everything:args-prompt city=… [state=…]" in result.stderr
    assert not openai_server.requests


async def test_a_server_without_tools_starts_and_its_listings_follow_every_page(tmp_path):
    """It declares prompts and resources only: tools/list is not asked (it would fail the start)."""
    paged = str(Path(__file__).parent / "servers" / "paged_server.py")
    manager = ServerManager([ServerConfig(name="paged", command=sys.executable, args=[paged])], log_dir=tmp_path)
    await manager.start()
    try:
        await manager.wait_settled(GENEROUS)
        assert [p.name for p in manager.prompts()] == [f"p{i}" for i in range(5)]
        assert [r.uri for r in manager.resources()] == [f"paged://r/{i}" for i in range(5)]
        assert [t.name for t in manager.templates()] == ["t0", "t1", "t2"]
    finally:
        await manager.aclose()
