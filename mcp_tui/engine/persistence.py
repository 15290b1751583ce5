"""Writing a session as it happens, and bringing a saved one back.

Each completed step is appended and fsync'd by SessionWriter before the next step
begins (ChatContext calls `on_message` as it adds a message). A resumed session gets
its messages, segment chain with summaries, token stats and SessionManager state back.
"""

from __future__ import annotations

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import MessageRole
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.session_file import SessionRecord, SessionWriter

REPLAYED_MESSAGES = 100
INTERRUPTED = "mcp-tui stopped before this tool finished; it may not have run. Ask again if it is still needed."


class SessionRecorder:
    def __init__(self, context: ChatContext, writer: SessionWriter) -> None:
        self.context = context
        self.writer = writer
        context.on_message.append(writer.message)
        context.on_segment_rolled.append(self.segment)

    @property
    def session_id(self) -> str:
        return self.writer.session_id

    def meta(self, **data) -> None:
        # No keys, no server env: only what identifies the conversation.
        self.writer.write("meta", provider=self.context.provider, model=self.context.model, token_threshold=self.context.token_threshold, **data)

    def usage(self, stats: TokenUsageStats) -> None:
        self.writer.write("usage", usage=stats.model_dump())

    def segment(self, number: int, summary: str) -> None:
        record = self.context.segment_records()[-1]
        tokens, cost = self.context.tracker.last_closed  # segment_figures is filled only after this callback
        self.writer.write("segment", **{**record, "segment": number, "summary": summary, "tokens": tokens, "cost": cost})

    def close(self) -> None:
        self.writer.close()


async def restore(context: ChatContext, record: SessionRecord) -> None:
    """Put a saved session back into a fresh context (whose system prompt stays)."""
    system = [m for m in context.history.messages if m.role is MessageRole.SYSTEM]
    context.history.messages = system + [m for m in record.messages if m.role is not MessageRole.SYSTEM]
    context.summaries = [str(s.get("summary", "")) for s in record.segments]
    context.segment_starts = [len(system)] + [len(system) + int(s.get("start", 0)) for s in record.segments]
    context.segment_figures = [(int(s.get("tokens", 0)), float(s.get("cost", 0.0))) for s in record.segments]
    names = {tc.id: tc.name for m in context.history.messages for tc in m.tool_calls}
    for call_id in context.history.pending_tool_call_ids():  # killed mid-tools: keep the history valid
        await context.add_tool_response(call_id, INTERRUPTED, names.get(call_id), error=INTERRUPTED)
    tracker = context.tracker
    # The SessionManager counts (the end of) the live segment again; the saved figures cover
    # the rest. Not all of it: each replayed message costs O(segment) in the library, so a
    # 2,000-message segment took 4.5 s before the app could show anything.
    for message in context.segment_messages()[-REPLAYED_MESSAGES:]:
        if message.role is MessageRole.USER:
            tracker.user_says(message.content or "")
        elif message.role is MessageRole.ASSISTANT:
            tracker.ai_responds(message.content or "", model=context.model, provider=context.provider)
        elif message.role is MessageRole.TOOL:
            tracker.tool_used(message.name or "?", {}, message.content or "")
    replayed = (await tracker.flush()).model_copy()
    saved = (record.usage or TokenUsageStats()).model_copy(update={"segments": len(record.segments) + 1})
    await tracker.resume(saved, replayed)
