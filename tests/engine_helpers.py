"""Building a real ChatEngine against the local OpenAI-compatible server and real MCP servers."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import SecretStr

from mcp_tui.config.models import ServerConfig
from mcp_tui.config.settings import Settings
from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.approval import ApprovalMode
from mcp_tui.models.events import Event
from mcp_tui.models.messages import validate_llm_messages
from tests.support.limits import GENEROUS

BIN = Path(sys.executable).parent
UNRULY = str(Path(__file__).parent / "servers" / "unruly_server.py")


def time_server() -> ServerConfig:
    return ServerConfig(name="time", command=str(BIN / "mcp-server-time"), args=["--local-timezone", "UTC"])


def unruly_server(name: str = "u", *flags: str) -> ServerConfig:
    return ServerConfig(name=name, command=sys.executable, args=[UNRULY, *flags])


def engine_settings(base_url: str, **overrides) -> Settings:
    values = dict(
        provider="openai",
        model="test-model",
        api_base=base_url,
        api_key=SecretStr("test-key-0123"),
        approve=ApprovalMode.AUTO,
        max_retries=0,
        server_wait=GENEROUS,
    )
    values.update(overrides)
    return Settings(**values)


async def run(engine: ChatEngine, text: str) -> list[Event]:
    return [event async for event in engine.run_turn(text)]


def kinds(events: list[Event]) -> list[str]:
    return [e.type for e in events if e.type != "text_delta"]


def resumed_request(command: list[str], env: dict, server, answer: str) -> list[dict]:
    """Run `mcp-tui … --resume ID --prompt …`; the messages it sent, checked valid."""
    import subprocess

    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=GENEROUS)
    assert result.returncode == 0, result.stderr
    assert answer in result.stdout
    sent = server.requests[-1]["messages"]
    validate_llm_messages(sent)
    return sent


def assert_every_request_valid(server) -> None:
    for request in server.requests:
        validate_llm_messages(request["messages"])
