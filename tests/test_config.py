"""The server-config loader: formats, lookup, expansion and every way a file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcp_tui.config import (
    ConfigIssue,
    LoadedConfig,
    ServerConfig,
    find_config_file,
    load_servers,
)

SECRET = "s3cr3t-value-xyz"


@pytest.fixture
def bindir(tmp_path: Path) -> Path:
    """A PATH folder holding an executable 'fake-mcp'."""
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "fake-mcp"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return folder


def write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def load(path: Path, environ: dict | None = None, **kw) -> LoadedConfig:
    kw.setdefault("user_dir", path.parent / "no-user-dir")
    return load_servers(path, environ={} if environ is None else environ, **kw)


def only_issue(loaded: LoadedConfig, severity: str = "error") -> ConfigIssue:
    found = [i for i in loaded.issues if i.severity == severity]
    assert len(found) == 1, loaded.issues
    return found[0]


def by_name(loaded: LoadedConfig) -> dict[str, ServerConfig]:
    return {s.name: s for s in loaded.servers}


# ---------------------------------------------------------------- formats


def test_mcp_cli_and_claude_desktop_format(tmp_path, bindir):
    cfg = write(tmp_path / "server_config.json", {"mcpServers": {
        "local": {"command": "fake-mcp", "args": ["--x", 3], "env": {"K": "v", "PORT": 8080}, "cwd": "."},
        "remote": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer t"}},
        "old": {"url": "https://example.com/sse", "type": "sse"},
        "cursor": {"url": "https://example.com/mcp", "transport": "streamableHttp"},
        "dash": {"url": "https://example.com/mcp", "type": "streamable-http"},
    }})
    loaded = load(cfg, {"PATH": str(bindir)})
    assert loaded.issues == []
    assert loaded.files_read == [cfg]
    s = by_name(loaded)
    assert list(s) == ["local", "remote", "old", "cursor", "dash"]
    assert s["local"].transport == "stdio" and s["local"].args == ["--x", "3"]
    assert s["local"].env == {"K": "v", "PORT": "8080"} and s["local"].cwd == str(tmp_path)
    assert s["remote"].transport == "http" and s["remote"].headers == {"Authorization": "Bearer t"}
    assert s["old"].transport == "sse"
    assert s["cursor"].transport == s["dash"].transport == "http"
    assert all(x.source == cfg and x.config_error is None for x in loaded.servers)


def test_vscode_format_with_inputs_and_jsonc(tmp_path, bindir):
    text = """{
      // VS Code allows comments
      "inputs": [{"id": "tok", "type": "promptString"}],
      "servers": {
        "a": {"type": "stdio", "command": "fake-mcp", "args": ["${workspaceFolder}/data"],},
        "b": {"type": "http", "url": "http://localhost:1/mcp"}, /* block */
        "c": {"type": "sse", "url": "http://localhost:2/sse"},
      },
    }"""
    cfg = write(tmp_path / "proj" / ".vscode" / "mcp.json", text)
    s = by_name(load(cfg, {"PATH": str(bindir)}))
    assert s["a"].args == [f"{tmp_path / 'proj'}/data"]  # the folder holding .vscode/
    assert (s["b"].transport, s["c"].transport) == ("http", "sse")


def test_vscode_settings_json_mcp_servers(tmp_path, bindir):
    cfg = write(tmp_path / "settings.json", {"mcp": {"servers": {"a": {"command": "fake-mcp"}}}})
    assert [s.name for s in load(cfg, {"PATH": str(bindir)}).servers] == ["a"]


def test_workspace_folder_outside_vscode_is_the_files_folder(tmp_path, bindir):
    cfg = write(tmp_path / "cfg" / "server_config.json",
                {"mcpServers": {"a": {"command": "fake-mcp", "cwd": "${workspaceFolder}"}}})
    assert load(cfg, {"PATH": str(bindir)}).servers[0].cwd == str(tmp_path / "cfg")


def test_disabled_entries_are_kept_without_issues(tmp_path):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"off": {"command": "nope-not-here", "disabled": True,
                                                             "env": {"T": "${MISSING}"}}}})
    loaded = load(cfg)
    assert loaded.servers[0].disabled is True
    assert loaded.servers[0].config_error  # still explains itself if someone enables it
    assert loaded.issues == []


# ---------------------------------------------------------------- lookup


def test_lookup_order(tmp_path):
    cwd, user = tmp_path / "cwd", tmp_path / "user"
    user_file = write(user / "server_config.json", {"mcpServers": {}})
    assert find_config_file(cwd=cwd, user_dir=user) == user_file
    cwd_file = write(cwd / "server_config.json", {"mcpServers": {}})
    assert find_config_file(cwd=cwd, user_dir=user) == cwd_file
    explicit = write(tmp_path / "x.json", {"mcpServers": {}})
    assert find_config_file(explicit, cwd=cwd, user_dir=user) == explicit
    assert find_config_file(Path("x.json"), cwd=tmp_path, user_dir=user) == explicit  # relative to cwd


def test_user_dir_defaults_to_mcp_tui_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path / "home"))
    f = write(tmp_path / "home" / "config" / "server_config.json", {"mcpServers": {}})
    assert find_config_file(cwd=tmp_path / "empty") == f


def test_no_file_is_an_empty_config(tmp_path):
    loaded = load_servers(cwd=tmp_path, user_dir=tmp_path / "u", environ={})
    assert loaded.servers == [] and loaded.issues == [] and loaded.files_read == []


def test_no_file_but_servers_asked_for(tmp_path):
    loaded = load_servers(only=["git"], cwd=tmp_path, user_dir=tmp_path / "u", environ={})
    assert "--server" in str(only_issue(loaded)) and "server_config.json" in str(only_issue(loaded))


def test_missing_explicit_file_does_not_fall_back(tmp_path):
    write(tmp_path / "server_config.json", {"mcpServers": {"a": {"command": "x"}}})
    missing = tmp_path / "nope.json"
    loaded = load_servers(missing, cwd=tmp_path, user_dir=tmp_path, environ={})
    assert loaded.servers == []
    text = str(only_issue(loaded))
    assert str(missing) in text and "does not exist" in text and "--config" in text


def test_explicit_folder(tmp_path):
    assert "is a folder" in str(only_issue(load_servers(tmp_path, environ={})))


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"mcpServers": {\n  "a": {"command": "x"}\n  "b": {}}}', "line 3, column 3"),
        ("[1, 2]", "top level is a list"),
        ('{"other": 1}', 'no "mcpServers" or "servers"'),
        ('{"mcpServers": ["a"]}', '"mcpServers" is a list'),
    ],
)
def test_bad_file_shapes(tmp_path, content, expected):
    cfg = write(tmp_path / "bad.json", content)
    loaded = load(cfg)
    assert loaded.servers == []
    text = str(only_issue(loaded))
    assert text.startswith(str(cfg)) and expected in text


def test_empty_file_is_a_warning(tmp_path):
    cfg = write(tmp_path / "e.json", "  \n")
    assert "empty" in str(only_issue(load(cfg), "warning"))


def test_unreadable_bytes(tmp_path):
    cfg = tmp_path / "b.json"
    cfg.write_bytes(b"\xff\xfe\x00bad")
    assert "cannot read" in str(only_issue(load(cfg)))


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("just a string", "the entry is a string"),
        ({"command": ["x"]}, '"command" must be a string, not a list'),
        ({"command": "x", "args": "--flag"}, '"args" must be a list of strings, not a string'),
        ({"command": "x", "args": [{"a": 1}]}, "item 1 is not"),
        ({"command": "x", "env": ["K=v"]}, '"env" must be an object'),
        ({"command": "x", "env": {"K": [SECRET]}}, "'K' must be a string"),
        ({"url": "http://h", "headers": {"H": True}}, "'H' must be a string"),
        ({"command": "x", "disabled": "yes"}, '"disabled" must be true or false'),
    ],
)
def test_one_bad_entry_keeps_the_others(tmp_path, bindir, entry, expected):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"bad": entry, "good": {"command": "fake-mcp"}}})
    loaded = load(cfg, {"PATH": str(bindir)})
    assert [s.name for s in loaded.servers] == ["good"]
    text = str(only_issue(loaded))
    assert text.startswith(f"{cfg}: server 'bad': ") and expected in text
    assert SECRET not in text


def test_unknown_key_is_a_warning(tmp_path, bindir):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"a": {"command": "fake-mcp", "autoApprove": []}}})
    loaded = load(cfg, {"PATH": str(bindir)})
    assert [s.name for s in loaded.servers] == ["a"] and loaded.servers[0].config_error is None
    text = str(only_issue(loaded, "warning"))
    assert str(cfg) in text and "server 'a'" in text and "'autoApprove'" in text


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"args": ["x"]}, 'no "command"'),
        ({"type": "http"}, 'needs a "url"'),
        ({"url": "http://h", "type": "websocket"}, 'unknown transport "websocket"'),
        ({"command": "./server.py"}, "server.py does not exist"),
        ({"command": "fake-mcp", "cwd": "nowhere"}, "nowhere does not exist"),
        ({"command": "fake-mcp", "envFile": ".env.missing"}, ".env.missing cannot be read"),
    ],
)
def test_unstartable_entry_is_kept_with_config_error(tmp_path, bindir, entry, expected):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"a": entry}})
    loaded = load(cfg, {"PATH": str(bindir)})
    (server,) = loaded.servers
    assert expected in server.config_error
    text = str(only_issue(loaded))
    assert text.startswith(f"{cfg}: server 'a': ") and expected in text


def test_relative_command_resolves_against_the_files_folder(tmp_path):
    script = write(tmp_path / "cfg" / "bin" / "srv", "#!/bin/sh\n")
    servers = {"a": {"command": "bin/srv"}, "b": {"command": "./bin/srv"}}
    cfg = write(tmp_path / "cfg" / "c.json", {"mcpServers": servers})
    loaded = load(cfg, cwd=tmp_path)
    assert [s.command for s in loaded.servers] == [str(script), str(script)]
    assert loaded.issues == []


def test_command_not_on_path_is_a_warning(tmp_path, bindir):
    cfg = write(tmp_path / "c.json", {"mcpServers": {
        "a": {"command": "no-such-program-x"},
        "b": {"command": "fake-mcp", "env": {"PATH": str(bindir)}},  # the entry's own PATH counts
    }})
    loaded = load(cfg, {"PATH": str(tmp_path / "empty")})
    assert [s.config_error for s in loaded.servers] == [None, None]
    text = str(only_issue(loaded, "warning"))
    assert "server 'a'" in text
    assert "command 'no-such-program-x' not found on PATH — install it or give the full path" in text


# ---------------------------------------------------------------- expansion


def test_expansion_everywhere(tmp_path, bindir):
    env = {"PATH": str(bindir), "BIN": "fake-mcp", "DIR": "sub", "HOST": "h.example", "TOKEN": SECRET}
    (tmp_path / "sub").mkdir()
    cfg = write(tmp_path / "c.json", {"mcpServers": {
        "a": {"command": "${BIN}", "args": ["--host=${env:HOST}", "$$x", "$HOST", "${NOPE:-dflt}", "$${HOST}"],
              "env": {"T": "${TOKEN}"}, "cwd": "${DIR}"},
        "r": {"url": "https://${HOST}/mcp", "headers": {"Authorization": "Bearer ${env:TOKEN}"}},
    }})
    loaded = load(cfg, env)
    assert loaded.issues == []
    a, r = loaded.servers
    assert a.command == "fake-mcp" and a.cwd == str(tmp_path / "sub")
    assert a.args == ["--host=h.example", "$$x", "$HOST", "dflt", "$${HOST}"]
    assert a.env == {"T": SECRET}
    assert r.url == "https://h.example/mcp" and r.headers == {"Authorization": f"Bearer {SECRET}"}


def test_missing_variable_keeps_the_server(tmp_path, bindir):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"git": {
        "command": "fake-mcp", "env": {"GITHUB_TOKEN": "${GITHUB_TOKEN}", "OTHER": "${env:OTHER}"}}}})
    loaded = load(cfg, {"PATH": str(bindir)})
    (server,) = loaded.servers
    assert "${GITHUB_TOKEN}, ${env:OTHER} are not set" in server.config_error
    assert str(only_issue(loaded)) == (
        f"{cfg}: server 'git': ${{GITHUB_TOKEN}}, ${{env:OTHER}} are not set"
        " — export them or remove them from the entry"
    )


def test_single_missing_variable_wording(tmp_path):
    cfg = write(tmp_path / "c.json", {"mcpServers": {"r": {"url": "https://h/${KEY}"}}})
    assert str(only_issue(load(cfg))).endswith("${KEY} is not set — export it or remove it from the entry")


def test_vscode_input_and_other_variables(tmp_path, bindir):
    cfg = write(tmp_path / "mcp.json", {"servers": {
        "a": {"command": "fake-mcp", "env": {"K": "${input:api-key}"}},
        "b": {"command": "fake-mcp", "args": ["${config:foo}"]},
    }})
    s = by_name(load(cfg, {"PATH": str(bindir)}))
    assert "${input:api-key}" in s["a"].config_error and "cannot prompt for VS Code inputs" in s["a"].config_error
    assert "environment variable" in s["a"].config_error
    assert "${config:foo} is not supported" in s["b"].config_error


def test_env_file(tmp_path, bindir):
    write(tmp_path / "cfg" / ".env", '# comment\n\nA=1\nexport B="two words"\nC=\'q\'\nD=from-file\nnot a pair\n')
    cfg = write(tmp_path / "cfg" / "mcp.json", {"servers": {"a": {
        "type": "stdio", "command": "fake-mcp", "envFile": "${workspaceFolder}/.env", "env": {"D": "explicit"}}}})
    loaded = load(cfg, {"PATH": str(bindir)}, cwd=tmp_path)
    assert loaded.issues == []
    assert loaded.servers[0].env == {"A": "1", "B": "two words", "C": "q", "D": "explicit"}


# ---------------------------------------------------------------- --server filter


def test_only_keeps_file_order(tmp_path, bindir):
    cfg = write(tmp_path / "c.json", {"mcpServers": {n: {"command": "fake-mcp"} for n in "abc"}})
    loaded = load(cfg, {"PATH": str(bindir)}, only=["c", "a"])
    assert [s.name for s in loaded.servers] == ["a", "c"] and loaded.issues == []


def test_only_with_unknown_names(tmp_path, bindir):
    cfg = write(tmp_path / "c.json", {"mcpServers": {n: {"command": "fake-mcp"} for n in "ab"}})
    loaded = load(cfg, {"PATH": str(bindir)}, only=["a", "zz"])
    assert [s.name for s in loaded.servers] == ["a"]
    text = str(only_issue(loaded))
    assert str(cfg) in text and "'zz'" in text and "known servers: a, b" in text


# ---------------------------------------------------------------- secrets


def test_no_secret_in_issues_or_reprs(tmp_path):
    env = {"TOKEN": SECRET, "PATH": ""}
    write(tmp_path / ".env", f"FILE_SECRET={SECRET}-file\n")
    cfg = write(tmp_path / "c.json", {"mcpServers": {
        "a": {"command": "missing-cmd", "env": {"API_KEY": SECRET, "X": "${NOPE}"}, "envFile": ".env", "bogus": 1},
        "b": {"url": "https://h/mcp", "headers": {"Authorization": f"Bearer {SECRET}", "Y": "${NOPE}"}},
        "c": {"command": "./gone", "env": {"K": SECRET}, "type": "nope"},
    }})
    loaded = load(cfg, env, only=["a", "b", "c", "zz"])
    assert len(loaded.issues) >= 6
    shown = " ".join([*map(str, loaded.issues), repr(loaded), str(loaded), *(repr(s) for s in loaded.servers)])
    assert SECRET not in shown
    assert {SECRET, f"{SECRET}-file", f"Bearer {SECRET}"} <= loaded.secret_values()  # for log masking


def test_secret_variables_expanded_into_url_or_args_are_secrets(tmp_path):
    # ServerConfig.secret_values() only knows env and headers; the loader remembers these.
    cfg = write(tmp_path / "c.json", {"mcpServers": {"b": {"url": "https://h/mcp?key=${API_KEY}&u=${USER}"}}})
    loaded = load(cfg, {"API_KEY": SECRET, "USER": "alice-user"})
    assert SECRET in loaded.secret_values() and "alice-user" not in loaded.secret_values()
