"""chuk-llm's Azure OpenAI client with the same stream tap as OpenAI's (openai_client.py).

Its own stream drops finish_reason, usage, refusals and reasoning, treats a cut-off stream as
complete, and hands a tool call over as soon as its arguments parse, before the answer ends.
Imports chuk_llm: import this module lazily. Overrides private methods: chuk-llm is pinned.
"""

from __future__ import annotations

from typing import Any

from chuk_llm.llm.providers.azure_openai_client import AzureOpenAILLMClient

from mcp_tui.llm.openai_client import TappedStream


class AzureStreamClient(TappedStream, AzureOpenAILLMClient):
    def __init__(self, model: str, api_key: str | None = None, api_base: str | None = None) -> None:
        super().__init__(model=model, api_key=api_key, azure_endpoint=api_base)

    async def _create(self, messages: list, tools: list | None, params: dict[str, Any]) -> Any:
        return await self.async_client.chat.completions.create(
            model=self.azure_deployment, messages=messages, **({"tools": tools} if tools else {}), stream=True, **params
        )
