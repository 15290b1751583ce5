"""A fresh machine: no key, no config, no network — the app still works, and says why."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from tests.support.limits import GENEROUS
from tests.support.openai_server import refused_base_url


def run_cli(tmp_path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    # A closed port stands in for "no Ollama here" whatever this machine runs.
    # ... and a missing file for "no local model", whatever this machine has installed.
    env.update(MCP_TUI_HOME=str(tmp_path / "home"), OLLAMA_HOST=refused_base_url().removesuffix("/v1"), MCP_TUI_LOCAL_MODEL=str(tmp_path / "none.gguf"))
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "mcp_tui", *args], capture_output=True, text=True, timeout=GENEROUS, env=env, cwd=tmp_path)


def test_doctor_explains_every_choice_on_a_fresh_machine(tmp_path):
    result = run_cli(tmp_path, "--doctor")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("· flags", "· environment", "· API keys", "· Ollama", "nothing answering", "· local model", "✓ demo", "→ using DEMO guide"):
        assert expected in out, expected
    assert "no server_config.json" in out and "bundled servers" in out
    assert "time" in out and "sqlite" in out and out.count("ready,") == 2  # both bundled servers really start
    assert str(tmp_path / "home" / "data") in out and "mcp-tui.log" in out
    assert (tmp_path / "home" / "data" / "sample.db").is_file()  # the sample database exists after the first run


def test_doctor_names_a_key_variable_but_never_its_value(tmp_path):
    result = run_cli(tmp_path, "--doctor", ANTHROPIC_API_KEY="sk-ant-doctor-secret-42")
    assert result.returncode == 0, result.stderr
    assert "✓ API keys" in result.stdout and "ANTHROPIC_API_KEY is set → anthropic" in result.stdout
    assert "sk-ant-doctor-secret-42" not in result.stdout + result.stderr


def test_doctor_reports_a_broken_config_and_env_names_only(tmp_path):
    (tmp_path / "server_config.json").write_text(json.dumps({"mcpServers": {
        "t": {"command": sys.executable, "args": ["-m", "mcp_server_time"], "env": {"TOKEN": "tok-doctor-secret-7"}},
        "bad": {"args": []},
    }}))
    result = run_cli(tmp_path, "--doctor", "--provider", "openai", "--trust-config")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "✓ flags" in out and "config read: " + str(tmp_path / "server_config.json") in out
    assert "server 'bad'" in out and "bundled" not in out
    assert "env: TOKEN (values hidden)" in out and "tok-doctor-secret-7" not in out
    assert "not trusted yet" not in out  # trusted by the flag: it lists the servers it checks


def test_doctor_names_an_untrusted_folder_config_and_starts_nothing(tmp_path):
    (tmp_path / "server_config.json").write_text(json.dumps({"mcpServers": {
        "t": {"command": sys.executable, "args": ["-m", "mcp_server_time"], "env": {"TOKEN": "tok-doctor-secret-8"}},
    }}))
    out = run_cli(tmp_path, "--doctor", "--provider", "openai").stdout
    assert "not trusted yet" in out and "mcp_server_time" in out and "--trust-config" in out
    assert "env: TOKEN" in out and "tok-doctor-secret-8" not in out


def test_headless_on_the_demo_answers_from_the_real_time_server(tmp_path):
    result = run_cli(tmp_path, "--prompt", "what time is it in Tokyo?", MCP_TUI_DEMO_DELAY="0")
    assert result.returncode == 0, result.stderr
    assert "mcp-tui: using DEMO guide (not a model)" in result.stderr
    assert "⚙ time.get_current_time" in result.stderr and "Asia/Tokyo" in result.stderr
    assert "In **Asia/Tokyo** it is" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp has no wheel for this platform")
def test_with_the_local_model_installed_it_is_picked_and_streams_a_labelled_reply(tmp_path):
    from tests.support.local_model import local_model

    result = run_cli(tmp_path, "--prompt", "Say hello.", MCP_TUI_LOCAL_MODEL=str(local_model().path))
    assert result.returncode == 0, result.stderr
    assert "mcp-tui: using local smollm2-135m-instruct: tiny offline model, plain chat, tools off" in result.stderr
    assert result.stdout.strip()  # a real reply from the real model
    assert "⚙" not in result.stderr  # no tools are offered to it
