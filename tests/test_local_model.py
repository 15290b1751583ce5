"""The embedded local model: found without importing it, served by a child process,
streamed through the real chuk-llm adapter, and gone when closed."""

from __future__ import annotations

import importlib.util
import urllib.request

import pytest
from pydantic import SecretStr

from mcp_tui.llm import LLMAdapter, LLMSettings
from mcp_tui.llm.local_model import LocalModelServer, local_model_status

needs_runtime = pytest.mark.skipif(importlib.util.find_spec("xllamacpp") is None, reason="xllamacpp has no wheel for this platform")


def test_the_override_must_name_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MCP_TUI_LOCAL_MODEL", str(tmp_path / "missing.gguf"))
    model, why = local_model_status()
    assert model is None and "is not a file" in why
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    monkeypatch.setenv("MCP_TUI_LOCAL_MODEL", str(tmp_path / "m.gguf"))
    model, why = local_model_status()
    if importlib.util.find_spec("xllamacpp") is None:
        assert model is None and "xllamacpp" in why
    else:
        assert model is not None and model.path == tmp_path / "m.gguf"


@needs_runtime
async def test_a_broken_model_file_fails_start_with_the_log_named(tmp_path):
    (tmp_path / "junk.gguf").write_bytes(b"not a model")
    server = LocalModelServer(tmp_path / "junk.gguf", log_file=tmp_path / "local.log")
    with pytest.raises(RuntimeError, match="local.log"):
        await server.start()
    assert server.process is None


@needs_runtime
async def test_real_tokens_stream_from_the_tiny_model(tmp_path):
    from tests.support.local_model import local_model

    model = local_model()
    server = LocalModelServer(model.path, log_file=tmp_path / "local.log")
    url = await server.start()
    process = server.process
    llm = LLMAdapter(LLMSettings(provider="openai", model=model.name, api_base=url, api_key=SecretStr("local")), max_retries=0)
    try:
        messages = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": None}, {"role": "user", "content": "Another one, in one word."}]
        # the tiny model may also end with a StreamStopped (finish_reason "length"): text only
        pieces = [item.text async for item in llm.stream(messages, None) if hasattr(item, "text")]
    finally:
        await llm.aclose()
        await server.aclose()
    assert len(pieces) >= 1 and "".join(pieces).strip()  # real text from a real model; its content is the model's business
    assert process.returncode is not None  # the child is gone
    with pytest.raises(OSError):
        urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=2)


def test_install_local_uses_uv_where_the_venv_has_no_pip(tmp_path):
    """`uv tool install .` makes a venv without pip: install-local must still have an installer."""
    import subprocess
    import sys

    from mcp_tui.llm.local_model import pip_command

    assert pip_command(sys.executable, "list") == [sys.executable, "-m", "pip", "list"]
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    bare = str(tmp_path / "bare" / "bin" / "python")
    command = pip_command(bare, "list")
    assert command[0].endswith("uv") and command[1:] == ["pip", "list", "--python", bare]
    listed = subprocess.run(command, capture_output=True, text=True)  # no network needed
    assert listed.returncode == 0, listed.stderr
