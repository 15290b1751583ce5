"""OAuth for remote servers against a real SDK server that is its own authorization server
(tests/servers/oauth_server.py): the headless login through the (stand-in) browser, tokens
kept 0600 and never in logs, reused by the next run, forgotten by `mcp-tui auth logout`; the
TUI's "needs login" row that waits for `l`. The official suite's scenarios are in
test_conformance.py."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mcp_tui.config.loader import load_servers
from mcp_tui.config.models import ServerConfig
from mcp_tui.servers.oauth_redirect import free_port
from mcp_tui.store.oauth_tokens import FileTokenStorage, token_file
from mcp_tui.ui.widgets.sidebar import ServerList, ServerRow
from tests.conformance.client import every_tool_once
from tests.support.limits import GENEROUS
from tests.ui_helpers import make_app, until

REPO = Path(__file__).resolve().parents[1]
BROWSER = f"{sys.executable} -m tests.conformance.browser %s"  # follows the redirects, as a browser would


def start_guarded(*flags: str):
    """The OAuth-protected server's MCP URL, once it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.servers.oauth_server", str(port), *flags], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metadata = f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server"
    import time

    deadline = time.monotonic() + GENEROUS
    while True:
        try:
            urllib.request.urlopen(metadata, timeout=5).read()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "the OAuth test server did not start"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(GENEROUS)


@pytest.fixture
def guarded_server():
    yield from start_guarded()


@pytest.fixture
def expiring_server():
    yield from start_guarded()


@pytest.fixture
def stingy_server():
    yield from start_guarded("--stingy")


def run_cli(home: Path, *args: str, browser: str = BROWSER) -> subprocess.CompletedProcess:
    env = {**os.environ, "MCP_TUI_HOME": str(home), "BROWSER": browser, "PYTHONPATH": str(REPO), "CHUK_LLM_DISCOVERY_ENABLED": "false"}
    return subprocess.run([sys.executable, "-m", "mcp_tui", *args], capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=REPO)


def test_headless_logs_in_keeps_the_token_private_reuses_it_and_logout_forgets_it(tmp_path, openai_server, guarded_server):
    openai_server.responder = every_tool_once
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"guarded": {"url": guarded_server}}}))
    home = tmp_path / "home"
    turn = ["--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url, "--api-key", "sk-test-oauth",
            "--config", str(config), "--approve", "auto", "--prompt", "use the tool"]
    old = os.umask(0o022)
    try:
        first = run_cli(home, *turn)
    finally:
        os.umask(old)
    assert first.returncode == 0, first.stderr
    assert "log in to guarded in your browser" in first.stderr
    assert any(m["role"] == "tool" and m["content"] == "you are logged in" for m in openai_server.requests[-1]["messages"])

    kept = home / "data" / "oauth"
    files = list(kept.iterdir())
    assert [f.name for f in files] == [token_file(guarded_server).name]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    token = json.loads(files[0].read_text())["tokens"]["access_token"]
    assert len(token) > 20
    elsewhere = [p for p in home.rglob("*") if p.is_file() and kept not in p.parents]
    assert elsewhere and not [p for p in elsewhere if token in p.read_text(errors="replace")]  # logs, sessions
    assert token not in first.stdout + first.stderr

    # The next run uses the kept token: no browser (one that fails would leave it waiting).
    second = run_cli(home, *turn, browser="false %s")
    assert second.returncode == 0, second.stderr
    assert "log in to" not in second.stderr
    assert any(m["role"] == "tool" and m["content"] == "you are logged in" for m in openai_server.requests[-1]["messages"])

    listing = run_cli(home, "auth", "--config", str(config), "list")
    assert listing.returncode == 0 and "guarded" in listing.stdout and "logged in" in listing.stdout
    out = run_cli(home, "auth", "--config", str(config), "logout", "guarded")
    assert out.returncode == 0 and "Logged out of guarded" in out.stdout
    assert not list(kept.iterdir())
    assert "No OAuth logins kept" in run_cli(home, "auth", "list").stdout


def test_an_expired_token_kept_on_disk_is_refreshed_without_a_new_login(tmp_path, openai_server, expiring_server):
    import time

    openai_server.responder = every_tool_once
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"guarded": {"url": expiring_server}}}))
    home = tmp_path / "home"
    turn = ["--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url, "--api-key", "sk-test-oauth",
            "--config", str(config), "--approve", "auto", "--prompt", "use the tool"]
    first = run_cli(home, *turn)
    assert first.returncode == 0 and "log in to guarded" in first.stderr, first.stderr
    # The kept access token expires, for the server and in the file (as if time had passed); the
    # refresh token stays good.
    urllib.request.urlopen(urllib.request.Request(expiring_server.removesuffix("/mcp") + "/expire", method="POST"), timeout=30).read()
    kept = home / "data" / "oauth" / token_file(expiring_server).name
    data = json.loads(kept.read_text())
    data["tokens"]["expires_at"] = time.time() - 1
    kept.write_text(json.dumps(data))
    second = run_cli(home, *turn, browser="false %s")  # a login would wait for a browser that never comes
    assert second.returncode == 0, second.stderr
    assert "log in to" not in second.stderr
    assert any(m["role"] == "tool" and m["content"] == "you are logged in" for m in openai_server.requests[-1]["messages"])


def test_a_server_that_never_grants_the_scope_is_given_up_on_after_one_login(tmp_path, openai_server, stingy_server):
    openai_server.responder = every_tool_once
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {"guarded": {"url": stingy_server}}}))
    done = run_cli(tmp_path / "home", "--provider", "openai", "--model", "test-model", "--api-base", openai_server.base_url,
                   "--api-key", "sk-test-oauth", "--config", str(config), "--prompt", "use the tool")
    assert done.returncode == 0, done.stderr  # the turn goes on without the server
    assert done.stderr.count("log in to guarded") == 1
    assert "server guarded failed: OAuth failed: the server still refuses after the login (HTTP 403" in done.stderr


async def test_a_server_needing_login_waits_for_l_then_logs_in(guarded_server, monkeypatch):
    monkeypatch.setenv("BROWSER", BROWSER)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    app = make_app(servers=[ServerConfig(name="guarded", transport="http", url=guarded_server)])
    async with app.run_test(size=(120, 40)) as pilot:
        row = lambda: app.query_one(ServerRow)  # noqa: E731
        await until(pilot, lambda: app.query(ServerRow) and row().state == "needs-login")
        assert await FileTokenStorage(guarded_server).get_tokens() is None  # the browser was not opened unasked
        await until(pilot, lambda: "needs login" in str(row().query_one("Label").render()))
        servers = app.query_one(ServerList)
        servers.focus()
        servers.index = 0
        await pilot.press("l")
        await until(pilot, lambda: row().state == "ready")
        assert await FileTokenStorage(guarded_server).get_tokens() is not None
        assert [t.name for t in app.engine.servers.server_tools("guarded")] == ["whoami"]


def test_oauth_keys_are_read_expanded_and_their_secrets_kept_out_of_sight(tmp_path):
    config = tmp_path / "server_config.json"
    config.write_text(json.dumps({"mcpServers": {
        "a": {"url": "https://a.example/mcp", "oauth": {"client_id": "cid", "client_secret": "${A_SECRET}", "scope": "read"}},
        "b": {"url": "https://b.example/mcp", "oauth": False},
        "c": {"url": "https://c.example/mcp", "oauth": {"client_secret": "leaky-value-1234", "grant": "x"}},
    }}))
    loaded = load_servers(config, environ={"A_SECRET": "s3cret-value-xyz"})
    a, b, c = loaded.servers
    assert a.oauth.client_id == "cid" and a.oauth.client_secret == "s3cret-value-xyz"
    assert "s3cret-value-xyz" in a.secret_values()
    assert "s3cret-value-xyz" not in json.dumps(a.redacted()) + repr(a)
    assert not b.oauth.enabled
    assert c.config_error and "grant" in c.config_error and "leaky-value-1234" not in c.config_error


async def test_the_redirect_listener_hands_over_the_code_or_the_refusal():
    import asyncio

    from mcp_tui.servers.oauth_redirect import LoginRefused, RedirectListener, loopback_port, redirect_uri

    def get(url: str) -> int:
        try:
            return urllib.request.urlopen(url, timeout=GENEROUS).status
        except urllib.error.HTTPError as exc:
            return exc.code

    port = free_port()
    assert loopback_port(redirect_uri(port)) == port and loopback_port("https://example.com/callback") is None
    listener = RedirectListener(port)
    await listener.start()
    assert await asyncio.to_thread(get, f"http://127.0.0.1:{port}/favicon.ico") == 404  # not the login's answer
    assert await asyncio.to_thread(get, f"{redirect_uri(port)}?code=abc&state=xyz&iss=https%3A%2F%2Fas.example") == 200
    result = await listener.wait(GENEROUS)
    assert (result.code, result.state, result.iss) == ("abc", "xyz", "https://as.example")

    listener = RedirectListener(port)
    await listener.start()
    assert await asyncio.to_thread(get, f"{redirect_uri(port)}?error=access_denied&error_description=no+thanks") == 400
    with pytest.raises(LoginRefused, match="no thanks"):
        await listener.wait(GENEROUS)
