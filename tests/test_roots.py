"""MCP roots: the working folder by default, per server from the config, changed for the session
with /roots (the servers told with roots/list_changed). Against real servers: server-everything's
get-roots-list and server-filesystem started without a folder."""

from __future__ import annotations

import asyncio
import json

import pytest

from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.ui.completions import complete
from mcp_tui.ui.widgets.chat import InfoNote
from tests.engine_helpers import engine_settings
from tests.support.limits import GENEROUS
from tests.support.npm_servers import everything_entry, filesystem_entry
from tests.support.openai_server import refused_base_url
from tests.test_ui_commands import palette_hits
from tests.ui_helpers import make_app, say, settle, until


def everything(name: str = "everything", **fields) -> ServerConfig:
    return ServerConfig(name=name, command="node", args=[str(everything_entry())], **fields)


def filesystem() -> ServerConfig:
    return ServerConfig(name="fs", command="node", args=[str(filesystem_entry())])  # no folder: roots only


@pytest.fixture
async def start(tmp_path, monkeypatch):
    """Builds started engines (no model needed) in tmp_path/work, the working folder."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    engines: list[ChatEngine] = []

    async def build(*configs: ServerConfig) -> ChatEngine:
        engine = ChatEngine(engine_settings(refused_base_url(), persist=False), list(configs))
        engines.append(engine)
        await engine.start()
        await engine.servers.wait_settled(GENEROUS)
        return engine

    yield build
    for engine in engines:
        await engine.aclose()


async def eventually(check, timeout: float = GENEROUS):
    """Ask again until `check` (an async call) returns something true: a server fetches its
    roots by itself after initialising or being told they changed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        assert loop.time() < deadline, "the server never saw the roots"
        await asyncio.sleep(0.05)


# -- config ----------------------------------------------------------------------


def test_config_roots_are_expanded_absolute_and_sampling_is_off_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "src").mkdir()
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {
        "a": {"command": "node", "roots": ["~/src", "data", "${HOME}/src"], "sampling": True},
        "b": {"command": "node", "roots": False},
        "c": {"command": "node"},
        "d": {"command": "node", "roots": "src"},
        "e": {"command": "node", "sampling": "yes"},
    }}))
    loaded = load_servers(config)
    by_name = {s.name: s for s in loaded.servers}
    assert by_name["a"].roots == [str(tmp_path / "src"), str(tmp_path / "data"), str(tmp_path / "src")]
    assert by_name["a"].sampling is True
    assert by_name["b"].roots is False and by_name["c"].roots is True and by_name["c"].sampling is False
    assert "d" not in by_name and "e" not in by_name  # wrong types are named, not guessed
    said = [str(i) for i in loaded.issues]
    assert any("'d'" in s and '"roots" must be a list of folders, or false' in s for s in said)
    assert any("'e'" in s and '"sampling" must be true or false' in s for s in said)
    assert any("root folder" in s and "data" in s and "does not exist" in s for s in said)  # a warning only
    assert not any("unknown key" in s for s in said)


# -- server-everything ------------------------------------------------------------


async def test_everything_offers_its_roots_tool_with_the_working_folder(start, tmp_path):
    engine = await start(everything(), everything(name="noroots", roots=False))
    names = {t.qualified_name for t in engine.servers.tools()}
    assert "everything__get-roots-list" in names
    assert "noroots__get-roots-list" not in names  # "roots": false declares no capability
    assert "everything__trigger-sampling-request" not in names  # sampling stays off unless configured
    result = await engine.servers.call("everything__get-roots-list", {})
    work = tmp_path / "work"
    assert "(1 total)" in result.text and f"URI: {work.as_uri()}" in result.text and "1. work" in result.text


async def test_configured_roots_and_session_changes_reach_the_server(start, tmp_path):
    a, b, c = (tmp_path / n for n in "abc")
    for folder in (a, b, c):
        folder.mkdir()
    engine = await start(everything(roots=[str(a), str(b)]))
    first = await engine.servers.call("everything__get-roots-list", {})
    assert "(2 total)" in first.text and a.as_uri() in first.text and b.as_uri() in first.text
    assert (tmp_path / "work").as_uri() not in first.text  # configured roots replace the working folder
    engine.host.session_roots.add(c)
    engine.host.session_roots.remove(a)
    assert await engine.servers.roots_changed() == ["everything"]

    async def changed():
        text = (await engine.servers.call("everything__get-roots-list", {})).text
        return text if c.as_uri() in text else None

    text = await eventually(changed)  # the server asked again after roots/list_changed
    assert "(2 total)" in text and a.as_uri() not in text and b.as_uri() in text


# -- server-filesystem without a folder -------------------------------------------


async def test_filesystem_without_a_folder_works_in_the_working_folder(start, tmp_path):
    work, other = tmp_path / "work", tmp_path / "other"
    (work / "notes.txt").write_text("hello")
    other.mkdir()
    (other / "data.csv").write_text("1,2")
    engine = await start(filesystem())

    async def allowed():
        text = (await engine.servers.call("fs__list_allowed_directories", {})).text
        return text if str(work.resolve()) in text else None

    await eventually(allowed)
    listing = await engine.servers.call("fs__list_directory", {"path": str(work)})
    assert not listing.is_error and "[FILE] notes.txt" in listing.text
    refused = await engine.servers.call("fs__list_directory", {"path": str(other)})
    assert refused.is_error and "outside allowed directories" in refused.text

    engine.host.session_roots.add(other)
    assert await engine.servers.roots_changed() == ["fs"]

    async def widened():
        result = await engine.servers.call("fs__list_directory", {"path": str(other)})
        return result if not result.is_error else None

    assert "[FILE] data.csv" in (await eventually(widened)).text


# -- /roots in the TUI ------------------------------------------------------------


def notes(app) -> list[str]:
    return [str(n.render()) for n in app.query(InfoNote)]


async def test_roots_command_lists_adds_and_removes_for_the_session(tmp_path, monkeypatch):
    work, extra = tmp_path / "work", tmp_path / "extra"
    work.mkdir()
    extra.mkdir()
    monkeypatch.chdir(work)
    app = make_app(servers=[everything()], persist=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await say(pilot, "/roots")
        await until(pilot, lambda: any("/roots add PATH" in n for n in notes(app)))
        assert any(f"{work} — everything" in n for n in notes(app))

        assert [c.text for c in complete("/roots ", app.query_one("#completion").sources)] == ["/roots add ", "/roots remove "]
        removable = [c.text for c in complete("/roots remove ", app.query_one("#completion").sources)]
        assert removable == [f"/roots remove {work}"]

        await say(pilot, f"/roots add {extra}")
        await until(pilot, lambda: any(f"Added root {extra}: told 1 server (everything)" in n for n in notes(app)))

        async def seen() -> bool:
            return extra.as_uri() in (await app.engine.servers.call("everything__get-roots-list", {})).text

        await eventually(seen)
        await say(pilot, f"/roots remove {work}")
        await until(pilot, lambda: any(f"Removed root {work}" in n for n in notes(app)))
        assert app.engine.host.session_roots.for_server(app.engine.server_configs[0]) == [extra]
        await say(pilot, f"/roots remove {work}")
        await until(pilot, lambda: any("is not among the roots" in n for n in notes(app)))
        await say(pilot, f"/roots add {tmp_path / 'missing'}")
        await until(pilot, lambda: any("is not a folder" in n for n in notes(app)))
        hits = dict(await palette_hits(pilot, "roots"))  # discoverable in the palette too
        assert "/roots add|remove PATH" in hits["Roots offered to servers"]


def test_roots_are_file_uris_with_names(tmp_path):
    from mcp_tui.servers.roots import SessionRoots, as_root

    root = as_root(tmp_path / "my folder")
    assert str(root.uri) == (tmp_path / "my folder").as_uri() and root.name == "my folder"
    roots = SessionRoots(working=tmp_path)
    config = ServerConfig(name="x", command="node")
    assert roots.for_server(config) == [tmp_path]
    assert roots.for_server(config.model_copy(update={"roots": False})) == []
    assert roots.result(config).roots[0].uri is not None

