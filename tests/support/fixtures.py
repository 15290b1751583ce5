"""Shared pytest fixtures; tests/conftest.py star-imports this module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.openai_server import OpenAIServer

__all__ = ["openai_server"]


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh local OpenAI-compatible server; script it with `enqueue(...)`."""
    with OpenAIServer() as srv:
        yield srv
