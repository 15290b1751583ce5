"""Shared pytest fixtures; tests/conftest.py star-imports this module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openai_server import OpenAIServer

__all__ = ["fixed_message_times", "make_engine", "openai_server"]


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh local OpenAI-compatible server; script it with `enqueue(...)`."""
    with OpenAIServer() as srv:
        yield srv


@pytest.fixture
async def make_engine(openai_server):
    """Build started ChatEngines on that server (settings from engine_settings); closed after the test."""
    from mcp_tui.engine.chat_engine import ChatEngine
    from tests.engine_helpers import engine_settings

    engines: list[ChatEngine] = []

    async def make(servers=(), asker=None, base_url=None, **overrides) -> ChatEngine:
        engine = ChatEngine(engine_settings(base_url or openai_server.base_url, **overrides), list(servers), asker=asker)
        await engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.aclose()


@pytest.fixture
def fixed_message_times(monkeypatch):
    """Messages are labelled with their time: one fixed time keeps snapshot pictures stable."""
    from mcp_tui.ui.widgets import chat
    from tests.ui_helpers import T0

    monkeypatch.setattr(chat, "clock", lambda: T0)
