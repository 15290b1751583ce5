"""SessionManager tracking kept off the streaming path.

Each `user_says` / `ai_responds` re-serialises the whole current segment on the event
loop (about 1 ms at 200 exchanges, 20 ms at 5,000). So calls are queued and run by one
background task between stream chunks; the turn only waits for them (`flush`) once the
answer is complete. Segments stay bounded because infinite context rolls them, and tool
results are tracked as a bounded excerpt. A failing tracker never breaks the chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.store.object_store import ObjectStore, skip_global_saves
from mcp_tui.store.tokens import install_offline_counter

log = logging.getLogger(__name__)

NEVER = 2**62
TRACKED_RESULT_CHARS = 2_000  # what the analytics keep of a tool result; the session file keeps all
Op = Callable[[Any], Awaitable[Any]]


class SessionTracker:
    def __init__(
        self,
        *,
        infinite_context: bool = True,
        system_prompt: str | None = None,
        default_model: str = "gpt-4o-mini",
        on_roll: Callable[[int, str], None] | None = None,
    ) -> None:
        install_offline_counter()
        from chuk_ai_session_manager import SessionManager  # ~0.3 s: only when a session starts

        skip_global_saves()
        # The library would roll a segment inside user_says/ai_responds, mid-turn; we roll
        # only on turn boundaries (ChatContext.roll_segment), so its own limits are off.
        self.manager = SessionManager(
            system_prompt=system_prompt,
            infinite_context=infinite_context,
            token_threshold=NEVER,
            max_turns_per_segment=NEVER,
            default_model=default_model,
            store=ObjectStore(),
        )
        self.stats = TokenUsageStats()
        self.op_seconds: list[float] = []  # what each tracked message cost: measured, see the note
        self.broken: str | None = None
        self._on_roll = on_roll
        self._queue: asyncio.Queue[Op] = asyncio.Queue()
        self._worker: asyncio.Task | None = None
        self.segments = 1
        self.last_closed: tuple[int, float] = (0, 0.0)  # tokens and cost of the segment closed last
        self._closed_prompt = 0  # token split of finished segments, frozen once rolled
        self._closed_completion = 0
        self._resumed = TokenUsageStats(segments=0)  # what a resumed session had before this process

    # -- queued, non-blocking ---------------------------------------------------------
    def user_says(self, text: str) -> None:
        self._submit(lambda m: m.user_says(text))

    def ai_responds(self, text: str, model: str, provider: str | None = None) -> None:
        self._submit(lambda m: m.ai_responds(text or "(tool call)", model=model, provider=provider or ""))

    def tool_used(self, name: str, arguments: dict[str, Any], result: str, error: str | None = None) -> None:
        excerpt = result if len(result) <= TRACKED_RESULT_CHARS else result[:TRACKED_RESULT_CHARS] + "…"
        # Strings only: a non-JSON-serialisable result breaks the SessionManager for good.
        args = {str(k): _jsonable(v) for k, v in arguments.items()}
        self._submit(lambda m: m.tool_used(tool_name=name, arguments=args, result=excerpt, error=error))

    def roll(self, summary: str) -> None:
        """Start a new segment whose parent keeps `summary` as its SUMMARY event."""

        async def given(_messages: list[dict]) -> str:
            return summary

        self._submit(lambda m: m._create_new_segment(llm_callback=given))  # private: version pinned

    async def resume(self, saved: TokenUsageStats, replayed: TokenUsageStats) -> None:
        """Continue a saved session: `saved` is its last usage, `replayed` what replaying
        its current segment into this SessionManager counted (so it is not counted twice)."""
        self._resumed = TokenUsageStats(
            total_tokens=max(0, saved.total_tokens - replayed.total_tokens),
            prompt_tokens=max(0, saved.prompt_tokens - replayed.prompt_tokens),
            completion_tokens=max(0, saved.completion_tokens - replayed.completion_tokens),
            estimated_cost=max(0.0, saved.estimated_cost - replayed.estimated_cost),
            messages=max(0, saved.messages - replayed.messages),
            segments=max(0, saved.segments - 1),
            segment_tokens=max(0, saved.segment_tokens - replayed.segment_tokens),
        )
        await self._refresh()

    def _submit(self, op: Op) -> None:
        if self.broken:
            return
        self._queue.put_nowait(op)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="session-tracker")

    # -- awaited at turn boundaries ----------------------------------------------------
    async def flush(self) -> TokenUsageStats:
        """Wait for queued tracking, then return fresh stats."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()
        return self.stats

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            op = await self._queue.get()
            try:
                if not self.broken:
                    before = self.manager.session_id
                    started = time.perf_counter()
                    await op(self.manager)
                    self.op_seconds.append(time.perf_counter() - started)
                    if self.manager.session_id != before:
                        await self._close_segment(before)
                    if self._queue.empty():
                        await self._refresh()
            except Exception as exc:  # analytics must not end the chat; the log keeps why
                log.exception("session tracking failed")
                self.broken = f"{type(exc).__name__}: {exc}"
            finally:
                self._queue.task_done()

    async def _refresh(self) -> None:
        stats = await self.manager.get_stats()
        current = self.manager._session  # the live segment (the store may lag behind it)
        summary = current.token_summary if current is not None else None
        self.stats.update(stats)
        self.stats.segment_tokens = (current.total_tokens if current is not None else 0) + self._resumed.segment_tokens
        self.stats.prompt_tokens = self._closed_prompt + (summary.total_prompt_tokens if summary else 0)
        self.stats.completion_tokens = self._closed_completion + (summary.total_completion_tokens if summary else 0)
        base = self._resumed
        self.stats.total_tokens += base.total_tokens
        self.stats.prompt_tokens += base.prompt_tokens
        self.stats.completion_tokens += base.completion_tokens
        self.stats.estimated_cost += base.estimated_cost
        self.stats.messages += base.messages
        self.stats.segments = self.segments + base.segments

    async def _close_segment(self, old_id: str) -> None:
        self._resumed.segment_tokens = 0  # the resumed segment's earlier part is closed with it
        old = await self.manager._store.get(old_id)
        summary_text = ""
        if old is not None:
            self.last_closed = (old.total_tokens, old.total_cost)
            self._closed_prompt += old.token_summary.total_prompt_tokens
            self._closed_completion += old.token_summary.total_completion_tokens
            summaries = [e.message for e in old.events if getattr(e.type, "value", e.type) == "summary"]
            summary_text = str(summaries[-1]) if summaries else ""
        self.segments += 1
        if self._on_roll:
            self._on_roll(self.segments + self._resumed.segments, summary_text)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
