"""The session's totals, and SessionManager tracking kept off the streaming path.

Totals are summed here, synchronously, from each request's usage (the provider's own where it
reported it). The SessionManager (chuk-ai-session-manager) is fed the same figures: each
assistant message's event carries that request's TokenUsage, so its `get_stats()` and segment
totals agree with the screen. Its own counter would count message text only (no system prompt,
no schemas, no tool results, no re-sent context), so we never let it count.

Its calls are queued and run by one background task between stream chunks; a failing
tracker never breaks the chat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_tui.models.usage import RequestUsage, TokenUsageStats
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
        # only on turn or round boundaries (ChatContext.roll_segment), so its own limits are off.
        self.manager = SessionManager(
            system_prompt=system_prompt,
            infinite_context=infinite_context,
            token_threshold=NEVER,
            max_turns_per_segment=NEVER,
            default_model=default_model,
            store=ObjectStore(),
        )
        self.totals = TokenUsageStats()  # every request of the session, this process and before it
        self.segment_base = TokenUsageStats()  # the totals when the current segment began
        self.last_closed: tuple[int, float | None] = (0, 0.0)  # tokens and cost of the segment closed last
        self.op_seconds: list[float] = []  # what each tracked message cost: measured, see the benchmark
        self.broken: str | None = None
        self._on_roll = on_roll
        self._queue: asyncio.Queue[Op] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    # -- figures, at once ---------------------------------------------------------------
    def record(self, usage: RequestUsage) -> None:
        """One request's usage into the session's totals."""
        self.totals.add(usage)

    def segment_totals(self) -> TokenUsageStats:
        return self.totals.minus(self.segment_base)

    def resume(self, saved: TokenUsageStats, segments: int) -> None:
        """Continue a saved session's totals (its current segment's share is not known apart).
        The SessionManager gets them as one event, so its figures still agree with ours."""
        self.totals = saved.model_copy(update={"segments": segments})
        self.segment_base = self.totals.model_copy()
        earlier = RequestUsage(prompt_tokens=saved.prompt_tokens, completion_tokens=saved.completion_tokens, cost=saved.cost)
        self._submit(lambda m: _add(m, "(the session's requests before it was resumed)", "llm", earlier))

    def reset(self) -> None:
        """After /clear: the conversation is gone; what was spent stays in the totals."""
        self.segment_base = self.totals.model_copy()

    # -- queued, non-blocking ------------------------------------------------------------
    def user_says(self, text: str) -> None:
        self._submit(lambda m: _add(m, text, "user", None))

    def ai_responds(self, text: str, model: str, provider: str | None, usage: RequestUsage | None) -> None:
        self._submit(lambda m: _add(m, text or "(tool call)", "llm", usage, model=model, provider=provider or ""))

    def tool_used(self, name: str, arguments: dict[str, Any], result: str, error: str | None = None) -> None:
        excerpt = result if len(result) <= TRACKED_RESULT_CHARS else result[:TRACKED_RESULT_CHARS] + "…"
        # Strings only: a non-JSON-serialisable result breaks the SessionManager for good.
        args = {str(k): _jsonable(v) for k, v in arguments.items()}
        self._submit(lambda m: m.tool_used(tool_name=name, arguments=args, result=excerpt, error=error))

    def roll(self, summary: str) -> None:
        """Start a new segment whose parent keeps `summary` as its SUMMARY event."""
        closed = self.segment_totals()
        self.last_closed = (closed.total_tokens, closed.cost)
        self.segment_base = self.totals.model_copy()
        self.totals.segments += 1

        async def given(_messages: list[dict]) -> str:
            return summary

        self._submit(lambda m: m._create_new_segment(llm_callback=given))  # private: version pinned
        if self._on_roll:
            self._on_roll(self.totals.segments, summary)

    def _submit(self, op: Op) -> None:
        if self.broken:
            return
        self._queue.put_nowait(op)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="session-tracker")

    # -- awaited at turn boundaries ------------------------------------------------------
    async def flush(self) -> None:
        """Wait for queued tracking."""
        if self._worker is not None and not self._worker.done():
            await self._queue.join()

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            op = await self._queue.get()
            try:
                if not self.broken:
                    started = time.perf_counter()
                    await op(self.manager)
                    self.op_seconds.append(time.perf_counter() - started)
            except Exception as exc:  # analytics must not end the chat; the log keeps why
                log.exception("session tracking failed")
                self.broken = f"{type(exc).__name__}: {exc}"
            finally:
                self._queue.task_done()


async def _add(manager: Any, text: str, source: str, usage: RequestUsage | None, **metadata: str) -> None:
    """A message event carrying the request's real usage (or none), without the library's
    text counting and its per-message save of the whole segment. Private parts: version pinned."""
    from chuk_ai_session_manager.models.event_source import EventSource
    from chuk_ai_session_manager.models.event_type import EventType
    from chuk_ai_session_manager.models.session_event import SessionEvent
    from chuk_ai_session_manager.models.token_usage import TokenUsage

    await manager._ensure_initialized()
    tokens = None
    if usage is not None:
        tokens = TokenUsage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            model=metadata.get("model", ""),
            estimated_cost_usd=usage.cost if usage.cost is not None else 0.0,  # None would make it price by itself
        )
    event = SessionEvent(
        message=text,
        source=EventSource.LLM if source == "llm" else EventSource.USER,
        type=EventType.MESSAGE,
        token_usage=tokens,
        metadata={**metadata, "reported": bool(usage and usage.reported)},
    )
    await manager._session.add_event(event)
    if manager._infinite_context:
        manager._full_conversation.append({"role": "assistant" if source == "llm" else "user", "content": text})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
