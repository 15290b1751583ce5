"""What every fault test checks besides what the user sees: that every request sent was a
valid history, and that the session file holds every completed step."""

from __future__ import annotations

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.models.messages import MessageRole
from mcp_tui.store.session_file import find_session, read_session
from tests.engine_helpers import assert_every_request_valid, engine_settings, run
from tests.support.openai_server import text


def saved_steps(engine: ChatEngine) -> list[tuple]:
    record = read_session(engine.recorder.writer.path)
    return [_step(m) for m in record.messages if m.role is not MessageRole.SYSTEM]


def _step(message) -> tuple:
    return (message.role.value, message.content, tuple(c.id for c in message.tool_calls), message.tool_call_id)


def assert_nothing_lost(engine: ChatEngine, server=None) -> None:
    """The history is a valid sequence, every request the provider got was valid, and the
    session file holds exactly the completed steps of the history."""
    engine.context.history.validate_sequence()
    if server is not None:
        assert_every_request_valid(server)
    history = [_step(m) for m in engine.context.history.messages if m.role is not MessageRole.SYSTEM]
    assert saved_steps(engine) == history


def resumed(server, session_id: str) -> ChatEngine:
    """An engine (no servers) that resumes the saved session `session_id`."""
    return ChatEngine(engine_settings(server.base_url), [], resume=find_session(session_id))


async def resumes_validly(server, session_id: str, reply: str = "resumed once more") -> None:
    """Resume the session, take one turn, and check every request the provider got was valid."""
    engine = resumed(server, session_id)
    await engine.start()
    try:
        server.enqueue(text(reply))
        await run(engine, "go on")
    finally:
        await engine.aclose()
    assert_every_request_valid(server)
