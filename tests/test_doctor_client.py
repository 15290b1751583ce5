"""`mcp-tui --doctor` builds the chosen provider's client as the app would, sending nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from mcp_tui.doctor import _no_network
from tests.support.limits import GENEROUS
from tests.support.openai_server import refused_base_url

ROOT = Path(__file__).parent.parent


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(MCP_TUI_HOME=str(tmp_path / "home"), OLLAMA_HOST=refused_base_url().removesuffix("/v1"), MCP_TUI_LOCAL_MODEL=str(tmp_path / "none.gguf"))
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def doctor(tmp_path: Path, *args: str) -> str:
    config = tmp_path / "servers.json"
    config.write_text('{"mcpServers": {}}')  # no server to start: only the provider part matters here
    result = subprocess.run(
        [sys.executable, "-m", "mcp_tui", "--doctor", "--config", str(config), *args],
        capture_output=True, text=True, timeout=GENEROUS, env=_env(tmp_path), cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_mistral_with_a_key_flag_is_ready_through_our_openai_client(tmp_path):
    out = doctor(tmp_path, "--provider", "mistral", "--model", "mistral-small-latest", "--api-key", "mistral-doctor-secret-31")
    assert "→ using mistral / mistral-small-latest\n  client: ready (OpenAIStreamClient)\n" in out
    assert "mistral-doctor-secret-31" not in out


def test_a_provider_whose_client_cannot_be_built_says_why_before_the_first_message(tmp_path):
    out = doctor(tmp_path, "--provider", "watsonx")
    assert (
        "  client: cannot be built: No API key for watsonx: WATSONX_API_KEY is not set, "
        "so the app would fail at the first message\n"
    ) in out


def test_mistral_is_routed_to_its_openai_compatible_endpoint_without_importing_mistralai(tmp_path):
    script = """
import sys
from mcp_tui.llm.adapter import LLMAdapter, LLMSettings
client = LLMAdapter(LLMSettings(provider="mistral", model="mistral-small-latest", api_key="k"))._build_client()
print(type(client).__name__, client.client.base_url, "mistralai" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=GENEROUS, env=_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["OpenAIStreamClient", "https://api.mistral.ai/v1/", "False"]


def test_the_doctor_guard_refuses_any_connection_and_then_steps_aside():
    tried: list = []
    real = socket.getaddrinfo
    with _no_network(tried):
        for attempt in (lambda: socket.getaddrinfo("example.com", 443), lambda: socket.create_connection(("127.0.0.1", 9))):
            try:
                attempt()
            except OSError as exc:
                assert "sends no request" in str(exc)
            else:
                raise AssertionError("a connection was allowed")
    assert len(tried) == 2 and socket.getaddrinfo is real
