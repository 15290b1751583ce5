"""`--resume` talks to the provider and model the session was with, through the real CLI and
the local OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mcp_tui.store.session_listing import list_sessions
from tests.support.limits import GENEROUS
from tests.support.openai_server import text


def mcp_tui(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The real command line, headless, with no MCP servers, in its own home."""
    config = tmp_path / "no_servers.json"
    config.write_text(json.dumps({"mcpServers": {}}))
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("MCP_TUI_") or k == "MCP_TUI_DEMO_DELAY"}
    environ.update(MCP_TUI_HOME=str(tmp_path / "home"), OLLAMA_HOST="127.0.0.1:9", MCP_TUI_LOCAL_MODEL=str(tmp_path / "none.gguf"), **env)  # no Ollama (port 9), no local model: the demo is the fallback
    command = [sys.executable, "-m", "mcp_tui", "--config", str(config), *args]
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=GENEROUS)


def first_session(tmp_path, openai_server) -> str:
    openai_server.enqueue(text("The first answer."))
    first = mcp_tui(tmp_path, "--provider", "openai", "--model", "session-model", "--api-base", openai_server.base_url, "--api-key", "sk-first-0123", "--prompt", "the first question")
    assert first.returncode == 0, first.stderr
    (session,) = list_sessions(tmp_path / "home" / "data" / "sessions")
    assert session.meta["api_base"] == openai_server.base_url and "sk-first-0123" not in session.path.read_text()
    return session.session_id


def test_resume_talks_to_the_sessions_own_provider_and_model(tmp_path, openai_server):
    session_id = first_session(tmp_path, openai_server)
    openai_server.enqueue(text("Resumed on the same model."))
    resumed = mcp_tui(tmp_path, "--resume", session_id, "--prompt", "go on", OPENAI_API_KEY="sk-env-0123")
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed on the same model." in resumed.stdout
    request = openai_server.requests[-1]
    assert request["model"] == "session-model"
    assert [m["content"] for m in request["messages"] if m["role"] == "user"] == ["the first question", "go on"]
    assert f"session {session_id} was with openai/session-model" in resumed.stderr


def test_resume_flags_still_choose_the_model(tmp_path, openai_server):
    session_id = first_session(tmp_path, openai_server)
    openai_server.enqueue(text("On the model the flag named."))
    resumed = mcp_tui(tmp_path, "--resume", session_id, "--model", "flag-model", "--prompt", "go on", OPENAI_API_KEY="sk-env-0123")
    assert resumed.returncode == 0, resumed.stderr
    assert openai_server.requests[-1]["model"] == "flag-model"


def test_resume_without_the_sessions_key_says_so_and_falls_back(tmp_path, openai_server):
    session_id = first_session(tmp_path, openai_server)
    asked = len(openai_server.requests)
    resumed = mcp_tui(tmp_path, "--resume", session_id, "--prompt", "go on")
    assert resumed.returncode == 0, resumed.stderr
    assert f"The session {session_id} was with openai/session-model, but OPENAI_API_KEY is not set: using DEMO guide (not a model) instead" in resumed.stderr
    assert len(openai_server.requests) == asked  # the demo answered, not the session's server


async def test_a_model_switched_in_the_session_is_the_one_a_resume_talks_to(tmp_path, openai_server, monkeypatch):
    """/model mid-session is written to the file: a resume goes on with the new model, and the
    session keeps its start time (meta records merge on read)."""
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.llm.resolve import Flags, Saved, resolve
    from mcp_tui.store.session_file import read_session
    from tests.engine_helpers import engine_settings

    monkeypatch.setenv("MCP_TUI_HOME", str(tmp_path))
    engine = ChatEngine(engine_settings(openai_server.base_url, model="first-model", persist=True), [])
    await engine.start()
    openai_server.enqueue(text("An answer."))
    async for _ in engine.run_turn("a question"):
        pass
    path = engine.recorder.writer.path
    started = read_session(path).started
    await engine.set_model("second-model")
    await engine.aclose()
    record = read_session(path)
    assert record.meta["model"] == "second-model" and record.started == started
    saved = Saved.from_meta(record.session_id, record.meta)
    chosen = resolve(Flags(), {"OPENAI_API_KEY": "sk-env-0123"}, saved=saved, ollama=lambda: (None, "off"), local=lambda: (None, "", "none"))
    assert (chosen.provider, chosen.model, chosen.api_base) == ("openai", "second-model", openai_server.base_url)
