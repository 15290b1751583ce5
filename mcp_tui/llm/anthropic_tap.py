"""chuk-llm's AnthropicLLMClient, streaming from the raw Messages API events.

Imports chuk_llm and anthropic: import lazily. Overrides the private
`_stream_completion_async` (chuk-llm is pinned to 0.20.1), which in 0.20.1 drops thinking,
usage and stop_reason, and turns any failure into a text chunk. Here the SDK's exception is
raised, `thinking_delta` is reasoning, tool calls (input_json_delta) come complete at the
end, and the last item carries usage and the stop_reason in OpenAI's words. A stream without
`message_stop` raises IncompleteStream. The request is built as chuk-llm builds it.
`close` also closes the SDK's HTTP pool (chuk-llm's does nothing).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from chuk_llm.llm.providers.anthropic_client import AnthropicLLMClient

from mcp_tui.llm import tap_items as items
from mcp_tui.llm.tap_items import IncompleteStream, field

FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicTap(AnthropicLLMClient):
    def __init__(self, model: str, api_key: str | None = None, api_base: str | None = None) -> None:
        # The SDK adds /v1/messages itself: a base given with /v1 is taken without it.
        super().__init__(model=model, api_key=api_key, api_base=api_base and api_base.rstrip("/").removesuffix("/v1"))
        # chuk-llm's `client` is a sync client nothing uses; make it the one that streams, so
        # LLMAdapter's `client.with_options(max_retries=…)` reaches the requests really sent.
        self.client = self.async_client

    async def _stream_completion_async(  # type: ignore[override]
        self,
        system: str | None,
        json_instruction: str | None,
        messages: list[dict[str, Any]],
        anth_tools: list[dict[str, Any]] | None,
        filtered_params: dict[str, Any],
        name_mapping: dict[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        sys_from_messages, chat = await self._split_for_anthropic_async(messages)
        final_system = "\n\n".join(s for s in (system or sys_from_messages, json_instruction) if s)
        payload: dict[str, Any] = {"model": self.model, "messages": chat, **filtered_params, "stream": True}
        if final_system:
            payload["system"] = final_system
        if anth_tools:
            payload["tools"] = anth_tools
            payload["tool_choice"] = {"type": "auto"}
        stream = await self.client.messages.create(**payload)
        tap = _Tap()
        try:
            async for event in stream:
                if item := tap.see(event):
                    yield item
            if not tap.stopped:
                raise IncompleteStream("the stream ended before message_stop")
            if tap.calls:
                found = [items.tool_call(c["id"], c["name"], "".join(c["json"]) or c["input"]) for c in tap.calls.values()]
                yield items.calls(found, self, name_mapping)
            yield items.end(FINISH.get(tap.stop_reason, tap.stop_reason), tap.usage())
        finally:
            await stream.close()

    async def close(self) -> None:
        await super().close()
        await self.client.close()  # chuk-llm leaves the HTTP pool to the garbage collector


class _Tap:
    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}  # content block index → tool_use
        self.stop_reason: str | None = None
        self.stopped = False
        self.counts: dict[str, Any] = {}

    def see(self, event: Any) -> dict[str, Any] | None:
        kind = field(event, "type")
        if kind == "message_start":
            self._count(field(event.message, "usage"))
        elif kind == "content_block_start":
            block = event.content_block
            if field(block, "type") == "tool_use":
                given = field(block, "input")
                self.calls[event.index] = {"id": block.id, "name": block.name, "json": [], "input": json.dumps(given) if given else ""}
        elif kind == "content_block_delta":
            delta = event.delta
            match field(delta, "type"):
                case "text_delta":
                    return items.text(delta.text) if delta.text else None
                case "thinking_delta":
                    return items.reasoning(delta.thinking) if delta.thinking else None
                case "input_json_delta" if event.index in self.calls:
                    self.calls[event.index]["json"].append(delta.partial_json or "")
        elif kind == "message_delta":
            self.stop_reason = field(event.delta, "stop_reason") or self.stop_reason
            self._count(field(event, "usage"))  # cumulative: later counts replace earlier ones
        elif kind == "message_stop":
            self.stopped = True
        return None

    def _count(self, usage: Any) -> None:
        for name in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"):
            if (value := field(usage, name)) is not None:
                self.counts[name] = value
        if (thinking := field(field(usage, "output_tokens_details"), "thinking_tokens")) is not None:
            self.counts["thinking_tokens"] = thinking

    def usage(self) -> dict[str, Any] | None:
        if not self.counts:
            return None
        c = {k: int(v or 0) for k, v in self.counts.items()}
        # Anthropic's input_tokens leaves out the cached parts; OpenAI's prompt_tokens has them all.
        prompt = c.get("input_tokens", 0) + c.get("cache_creation_input_tokens", 0) + c.get("cache_read_input_tokens", 0)
        return items.usage(prompt, c.get("output_tokens"), c.get("cache_read_input_tokens"), c.get("thinking_tokens"))
