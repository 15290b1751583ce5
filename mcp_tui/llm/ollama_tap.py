"""chuk-llm's OllamaLLMClient, streaming from the raw /api/chat lines.

Imports chuk_llm and ollama: import lazily. Overrides the private `_stream_completion_async`
(chuk-llm is pinned to 0.20.1), which in 0.20.1 drops prompt_eval_count / eval_count and
done_reason, passes `message.thinking` on as answer text (for names it takes for reasoning
models) or drops it, and turns any failure into a text chunk. Here the SDK's exception is
raised, thinking is reasoning, tool calls come at the end, and the last item carries usage
and done_reason. A stream without `done: true` raises IncompleteStream.

Also: 0.20.1 asks the server for the model's capabilities (/api/show) with a blocking call
the first time anything checks a feature, inside create_completion on the event loop. Here
that lookup is made off the loop, in the stream, and only when tools are offered (the one
answer it changes: whether tools are sent). `close` also closes the SDK's HTTP pool.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from chuk_llm.llm.providers.ollama_client import OllamaLLMClient

from mcp_tui.llm import tap_items as items
from mcp_tui.llm.tap_items import IncompleteStream, field


class OllamaTap(OllamaLLMClient):
    def __init__(self, model: str = "qwen3", api_base: str | None = None) -> None:
        # /api/chat hangs off the root: a base given for Ollama's OpenAI-compatible /v1 is taken without it.
        super().__init__(model=model, api_base=api_base and api_base.rstrip("/").removesuffix("/v1"))
        self._capabilities_loaded = True  # no blocking /api/show from supports_feature()
        self._capabilities_asked = False

    async def _stream_completion_async(  # type: ignore[override]
        self, messages: list, tools: list | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        if tools and not self._capabilities_asked:
            self._capabilities_asked, self._capabilities_loaded = True, False
            try:
                await self._load_capabilities()  # chuk-llm's own lookup, in a thread
            finally:
                self._capabilities_loaded = True
        stream = await self.async_client.chat(**await self._request(messages, tools, kwargs))
        done, reason, report = False, None, None
        found: list[dict[str, Any]] = []
        try:
            async for chunk in stream:
                message = chunk.message
                if message is not None:
                    if message.thinking:
                        yield items.reasoning(message.thinking)
                    if message.content:
                        yield items.text(message.content)
                    for call in message.tool_calls or []:
                        args = call.function.arguments
                        found.append(items.tool_call(field(call, "id"), call.function.name, args if isinstance(args, str) else json.dumps(dict(args or {}))))
                if chunk.done:
                    done, reason = True, chunk.done_reason
                    report = items.usage(chunk.prompt_eval_count, chunk.eval_count)
            if not done:
                raise IncompleteStream("the stream ended before done: true")
            if found:
                yield items.calls(found)
            yield items.end(reason, report)
        finally:
            await stream.aclose()

    async def close(self) -> None:
        await super().close()
        await self.async_client.close()  # chuk-llm leaves the HTTP pool to the garbage collector

    async def _request(self, messages: list, tools: list | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        """chuk-llm 0.20.1's request."""
        request: dict[str, Any] = {"model": self.model, "messages": await self._prepare_ollama_messages(messages), "stream": True}
        if tools and self.supports_feature("tools"):
            request["tools"] = [
                {"type": "function", "function": {"name": t.function.name, "description": t.function.description, "parameters": t.function.parameters}}
                for t in tools
            ]
        if options := self._build_ollama_options(kwargs):
            request["options"] = options
        if think := kwargs.get("think"):
            request["think"] = "medium" if think is True else think
        return request
