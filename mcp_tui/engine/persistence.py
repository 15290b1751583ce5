"""Writing a session as it happens, and bringing a saved one back.

Each completed step is appended and fsync'd by SessionWriter before the next step
begins (ChatContext calls `on_message` as it adds a message). A resumed session gets
its messages, segment chain with summaries, token stats and SessionManager state back.
A session another instance has open is forked: a new file, a copy up to now.
"""

from __future__ import annotations

import asyncio
import time
import contextlib

from mcp_tui.engine.context import ChatContext
from mcp_tui.models.messages import MessageRole
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.full_results import keep_full_result
from mcp_tui.store.session_file import SessionBusy, SessionRecord, SessionWriter, message_record

INTERRUPTED = "mcp-tui stopped before this tool finished; it may not have run. Ask again if it is still needed."


class SessionRecorder:
    def __init__(self, context: ChatContext, writer: SessionWriter) -> None:
        self.context = context
        self.writer = writer
        self._usage_written: tuple | None = None
        self.started = time.time()  # the session's start (a resumed one: its own), kept by later meta records
        self.said = False  # a user message is in the file: only then is the session kept at close
        context.on_message.append(self._message)
        context.on_segment_rolled.append(self.segment)
        context.on_rewind.append(self.rewind)

    def rewind(self, keep: int) -> None:
        """Only the first `keep` messages of the file still count (read_session applies it)."""
        self.writer.write("rewind", keep=keep)

    def detach(self) -> None:
        """Stop hearing the context (another recorder takes over, e.g. for a fork)."""
        for callbacks, callback in ((self.context.on_message, self._message), (self.context.on_segment_rolled, self.segment), (self.context.on_rewind, self.rewind)):
            if callback in callbacks:
                callbacks.remove(callback)

    @property
    def session_id(self) -> str:
        return self.writer.session_id

    def _message(self, message) -> None:
        self.said = self.said or message.role is MessageRole.USER
        self.writer.message(message)

    def meta(self, **data) -> None:
        # No keys, no server env: only what identifies the conversation.
        self.writer.write("meta", provider=self.context.provider, model=self.context.model, token_threshold=self.context.token_threshold, **data)

    def switched(self, reached: dict) -> None:
        """The model was switched: a resume goes on with the new one. Meta records merge on
        read, so the way the old one was reached (its base URL, kind) is overwritten, and the
        start time is kept."""
        self.meta(at=self.started, **{"api_base": None, "kind": "switched", **reached})

    def usage(self, stats: TokenUsageStats) -> None:
        """The figures as they stand (written again only when the totals changed)."""
        key = (stats.requests, stats.total_tokens, stats.cost, stats.segments)
        if key != self._usage_written:
            self._usage_written = key
            self.writer.write("usage", usage=stats.summary())

    def segment(self, number: int, summary: str) -> None:
        record = self.context.segment_records()[-1]
        tokens, cost = self.context.tracker.last_closed  # segment_figures is filled only after this callback
        self.writer.write("segment", **{**record, "segment": number, "summary": summary, "tokens": tokens, "cost": cost})

    def copy(self, record: SessionRecord) -> None:
        """Begin this new file as a copy of `record`, so a fork goes on from the same point."""
        meta = {k: v for k, v in record.meta.items() if k not in ("type", "at")}
        records = [("meta", {**meta, "forked_from": record.session_id})]
        self.said = any(m.role is MessageRole.USER for m in record.messages)
        records += [message_record(m) for m in record.messages]
        records += [("segment", {k: v for k, v in s.items() if k != "type"}) for s in record.segments]
        if record.usage is not None:
            records.append(("usage", {"usage": record.usage.model_dump()}))
        self.writer.write_records(records)

    async def full_result(self, call_id: str, text: str) -> None:
        """A result the model got bounded, kept whole beside the session (off the event loop)."""
        await asyncio.to_thread(keep_full_result, self.writer.path, call_id, text)

    def close(self) -> None:
        if not self.said:  # nothing was said: no file is left to list (removed while still locked)
            with contextlib.suppress(OSError):
                self.writer.path.unlink()
        self.writer.close()


def open_recorder(context: ChatContext, resume: SessionRecord | None, meta: dict | None = None) -> tuple[SessionRecorder, str | None]:
    """A recorder for a new session (its meta record gets `meta` too) or for `resume`; when
    another instance has `resume` open, one for a fork of it, with a notice saying so."""
    if resume is not None:
        try:
            recorder = SessionRecorder(context, SessionWriter(resume.session_id, resume.path.parent))
            recorder.said = True  # a file that was there before is never removed by this one
            recorder.started = resume.started
            return recorder, None
        except SessionBusy:
            recorder = SessionRecorder(context, SessionWriter(folder=resume.path.parent))
            recorder.copy(resume)
            return recorder, (
                f"Session {resume.session_id} is open in another mcp-tui, so this one goes on as a new "
                f"session, {recorder.session_id}, copied from it up to now; the other keeps the original."
            )
    recorder = SessionRecorder(context, SessionWriter())
    recorder.meta(at=recorder.started, **(meta or {}))
    return recorder, None


def fork_recorder(context: ChatContext, old: SessionRecorder, usage: TokenUsageStats) -> SessionRecorder:
    """A recorder for a new file beside `old`'s, begun as a copy of what `context` holds now."""
    system = sum(m.role is MessageRole.SYSTEM for m in context.history.messages)
    now = SessionRecord(
        session_id=old.session_id,
        path=old.writer.path,
        meta={"provider": context.provider, "model": context.model, "token_threshold": context.token_threshold},
        messages=context.history.messages[system:],
        segments=context.segment_records(),
        usage=usage,
    )
    recorder = SessionRecorder(context, SessionWriter(folder=old.writer.folder))
    recorder.copy(now)
    return recorder


async def restore(context: ChatContext, record: SessionRecord) -> None:
    """Put a saved session back into a fresh context (whose system prompt stays)."""
    system = [m for m in context.history.messages if m.role is MessageRole.SYSTEM]
    context.history.messages = system + [m for m in record.messages if m.role is not MessageRole.SYSTEM]
    context.history.renumber_repeated_call_ids()
    context.summaries = [str(s.get("summary", "")) for s in record.segments]
    context.segment_starts = [len(system)] + [len(system) + int(s.get("start", 0)) for s in record.segments]
    context.segment_figures = [(int(s.get("tokens") or 0), None if s.get("cost", 0.0) is None else float(s["cost"] or 0.0)) for s in record.segments]
    names = {tc.id: tc.name for m in context.history.messages for tc in m.tool_calls}
    for call_id in context.history.pending_tool_call_ids():  # killed mid-tools: keep the history valid
        await context.add_tool_response(call_id, INTERRUPTED, names.get(call_id), error=INTERRUPTED, outcome="cancelled")
    # The totals come back as saved; the context is counted afresh from the messages (estimated
    # until the provider reports the next request).
    saved = record.usage or TokenUsageStats()
    context.tracker.resume(saved, segments=len(record.segments) + 1)
