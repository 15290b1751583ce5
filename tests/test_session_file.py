"""Session files: appended per step, 0600, secrets masked, a damaged last line skipped."""

import stat

from mcp_tui.logsetup import add_secrets
from mcp_tui.models.messages import Message, MessageRole
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.session_file import SessionWriter, read_session


def test_round_trip_permissions_and_masking(tmp_path):
    add_secrets(["sk-session-secret-999"])
    writer = SessionWriter("s1", folder=tmp_path)
    writer.write("meta", provider="openai", model="m")
    writer.message(Message(role=MessageRole.USER, content="my key is sk-session-secret-999, what time is it?"))
    writer.message(Message(role=MessageRole.ASSISTANT, content="partial", interrupted=True))
    writer.write("usage", usage=TokenUsageStats(total_tokens=7).model_dump())
    writer.close()
    assert stat.S_IMODE(writer.path.stat().st_mode) == 0o600
    raw = writer.path.read_text()
    assert "sk-session-secret-999" not in raw
    record = read_session(writer.path)
    assert [m.role for m in record.messages] == [MessageRole.USER, MessageRole.ASSISTANT]
    assert record.messages[1].interrupted
    assert record.usage.total_tokens == 7
    assert record.meta["model"] == "m"
    assert record.title.startswith("my key is •••")
    assert record.warnings == []


def test_damaged_last_line_is_skipped_with_a_warning(tmp_path):
    writer = SessionWriter("s2", folder=tmp_path)
    writer.message(Message(role=MessageRole.USER, content="hello"))
    writer.close()
    with writer.path.open("a") as f:
        f.write('{"type": "message", "message": {"role": "assis')  # killed mid-write
    record = read_session(writer.path)
    assert [m.content for m in record.messages] == ["hello"]
    assert record.warnings and "last line" in record.warnings[0]
