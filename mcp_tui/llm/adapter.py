"""LLMAdapter: one provider/model, streaming text and tool calls, failing with ProviderError.

chuk_llm is imported lazily (the import costs ~0.5 s) and only after
CHUK_LLM_DISCOVERY_ENABLED=false is in place (else its import probes Ollama).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, SecretStr

from mcp_tui.llm.errors import ProviderError, from_exception, from_text, hint_for

os.environ.setdefault("CHUK_LLM_DISCOVERY_ENABLED", "false")

log = logging.getLogger(__name__)
IDLE_TIMEOUT = 60.0  # seconds of silence between chunks, once the answer has begun

# Providers whose client is plain OpenAILLMClient get our fixed subclass instead.
_OPENAI_CLASS = "chuk_llm.llm.providers.openai_client:OpenAILLMClient"
# Providers whose API is OpenAI's chat completions: they go through that subclass too, so each
# gets usage, reasoning, refusals and finish reasons read the same way. chuk-llm's own clients
# for them drop those, and its mistral client does not import with mistralai 3.x.
OPENAI_COMPATIBLE = {
    "groq": None,
    "mistral": "https://api.mistral.ai/v1",
    "openrouter": None,
    "perplexity": None,
}
# chuk-llm client classes we replace with a tapped subclass ("module:Class"), for providers with
# their own wire format (filled in as each tap is written).
NATIVE_TAPS: dict[str, str] = {
    "chuk_llm.llm.providers.anthropic_client:AnthropicLLMClient": "mcp_tui.llm.anthropic_tap:AnthropicTap",
    "chuk_llm.llm.providers.gemini_client:GeminiLLMClient": "mcp_tui.llm.gemini_tap:GeminiTap",
    "chuk_llm.llm.providers.ollama_client:OllamaLLMClient": "mcp_tui.llm.ollama_tap:OllamaTap",
    "chuk_llm.llm.providers.azure_openai_client:AzureOpenAILLMClient": "mcp_tui.llm.azure_client:AzureStreamClient",
}


class LLMSettings(BaseModel):
    provider: str = "openai"
    model: str | None = None
    api_base: str | None = None
    api_key: SecretStr | None = None


class StreamText(BaseModel):
    text: str


class StreamToolCall(BaseModel):
    id: str
    name: str
    arguments: str  # raw, as the model sent it; "" becomes "{}"


class StreamStopped(BaseModel):
    """The provider ended the answer before the model did (finish_reason `length` or
    `content_filter`); comes last. Only OpenAI-style clients report it."""

    finish_reason: str


class StreamUsage(BaseModel):
    """The provider's own count for this request (OpenAI's `usage`); comes last when given."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    @classmethod
    def from_wire(cls, usage: dict[str, Any]) -> StreamUsage:
        prompt = usage.get("prompt_tokens_details") or {}
        completion = usage.get("completion_tokens_details") or {}
        return cls(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            cached_tokens=int(prompt.get("cached_tokens") or 0),
            reasoning_tokens=int(completion.get("reasoning_tokens") or 0),
        )


class StreamReasoning(BaseModel):
    """The model's thinking, as the provider streams it (DeepSeek's reasoning_content, Groq's
    and Ollama's reasoning, Mistral's thinking parts)."""

    text: str


class StreamRefusal(BaseModel):
    """The model declined to answer (OpenAI's `delta.refusal`)."""

    text: str


class StreamEnd(BaseModel):
    """The stream is complete; `finish_reason` as the provider gave it (None: it gave none,
    e.g. Snowflake Cortex, or a chuk-llm client that does not pass it on). Always last."""

    finish_reason: str | None = None


StreamItem = StreamText | StreamToolCall | StreamStopped | StreamUsage | StreamReasoning | StreamRefusal | StreamEnd
_CUT_REASONS = ("length", "content_filter")


class LLMAdapter:
    """Streams one answer at a time from the configured provider."""

    def __init__(self, settings: LLMSettings, *, max_retries: int | None = None, idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.settings = settings
        self.max_retries = max_retries
        self.idle_timeout = idle_timeout
        self._client: Any = None
        self._config: Any = None

    @property
    def provider(self) -> str:
        return self.settings.provider

    @property
    def model(self) -> str:
        if self.settings.model:
            return self.settings.model
        config = self._provider_config()
        return (config.default_model if config is not None else None) or ""

    @property
    def key_env(self) -> str | None:
        config = self._provider_config()
        return config.api_key_env if config is not None else None

    @property
    def api_base(self) -> str | None:
        if self.settings.api_base:
            return self.settings.api_base
        config = self._provider_config()
        return config.api_base if config is not None else None

    def _provider_config(self) -> Any:
        if self._config is None:
            from chuk_llm.configuration import get_config  # ~0.15 s, cheaper than the client

            if self.provider == "demo":
                from mcp_tui.llm.demo_client import register_demo_provider

                register_demo_provider()
            try:
                self._config = get_config().get_provider(self.provider)
            except Exception:
                return None
        return self._config

    def _api_key(self) -> str | None:
        if self.settings.api_key is not None:
            return self.settings.api_key.get_secret_value() or None
        config = self._provider_config()
        return config.get_api_key() if config is not None else None

    def _build_client(self) -> Any:
        config = self._provider_config()
        if config is None:
            raise ProviderError(f"Unknown provider {self.provider!r}.", "bad_request", hint="Check --provider (mcp-tui --doctor lists them).")
        key = self._api_key()
        if key is None and config.api_key_env:
            raise ProviderError(
                f"No API key for {self.provider}: {config.api_key_env} is not set.",
                "auth",
                hint=hint_for("auth", key_env=config.api_key_env),
            )
        if not self.model:
            raise ProviderError(f"{self.provider} has no default model.", "bad_request", hint="Pass --model.")
        if config.client_class == _OPENAI_CLASS or self.provider in OPENAI_COMPATIBLE:
            from mcp_tui.llm.openai_client import OpenAIStreamClient

            # Built directly: get_client() insists on the env var even when a key is given.
            base = self.api_base or OPENAI_COMPATIBLE.get(self.provider)
            return OpenAIStreamClient(self.model, key, base, max_retries=self.max_retries)
        client = self._other_client(config, key)
        sdk = getattr(client, "client", None)
        if self.max_retries is not None and hasattr(sdk, "with_options"):
            client.client = sdk.with_options(max_retries=self.max_retries)
        return client

    def _other_client(self, config: Any, key: str | None) -> Any:
        from chuk_llm.llm.client import get_client

        if config.client_class in NATIVE_TAPS:  # our tapped subclass of chuk-llm's client
            return _construct(NATIVE_TAPS[config.client_class], model=self.model, api_key=key, api_base=self.api_base)
        try:
            # use_cache=False: a cached client stays bound to the first event loop
            return get_client(self.provider, model=self.model, api_base=self.settings.api_base, api_key=key, use_cache=False)
        except ValueError as exc:
            if key is None or "Missing API key" not in str(exc):
                raise ProviderError(str(exc), "bad_request", hint="Check --provider, --model and --api-base.") from exc
        # The key came from a flag, not the env var get_client() checks: build it ourselves.
        return _construct(config.client_class, model=self.model, api_key=key, api_base=self.api_base)

    async def stream(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, **options: Any) -> AsyncIterator[StreamItem]:
        """Text and tool calls as they come; raises ProviderError (also for a cut-off answer).
        `options` (max_tokens, temperature) go to chuk-llm, which maps them per provider."""
        if self._client is None:
            self._client = self._build_client()
        ctx = {"key_env": self.key_env, "api_base": self.api_base}
        try:
            chunks = self._client.create_completion(normalize_messages(messages), tools=normalize_tools(tools), stream=True, **options)
        except Exception as exc:  # chuk-llm validates messages synchronously
            log.exception("request refused before sending")
            raise ProviderError(f"The request could not be built: {exc}", "bad_request", hint=hint_for("bad_request")) from exc
        try:
            ended = None
            async for chunk in _until_idle(chunks, self.idle_timeout):
                if chunk.get("error"):
                    raise from_text(str(chunk.get("response") or ""), **ctx)
                if isinstance(chunk.get("usage"), dict):
                    yield StreamUsage.from_wire(chunk["usage"])
                if chunk.get("finish_reason") in _CUT_REASONS:
                    yield StreamStopped(finish_reason=chunk["finish_reason"])
                if chunk.get("end"):
                    ended = StreamEnd(finish_reason=chunk.get("finish_reason"))
                if chunk.get("reasoning"):
                    yield StreamReasoning(text=chunk["reasoning"])
                if chunk.get("refusal"):
                    yield StreamRefusal(text=chunk["refusal"])
                if chunk.get("response"):
                    yield StreamText(text=_as_text(chunk["response"]))
                for call in chunk.get("tool_calls") or []:
                    function = call.get("function") or {}
                    yield StreamToolCall(
                        id=call.get("id") or "",
                        name=function.get("name") or "",
                        arguments=_arguments_text(function.get("arguments")),
                    )
            yield ended or StreamEnd(finish_reason=None)
        except ProviderError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "IncompleteStream":
                raise ProviderError(
                    "The answer was cut off: the connection ended before it was complete.",
                    "connection",
                    hint="Ask again; if it keeps happening, check the network or the provider's status.",
                ) from exc
            log.debug("LLM stream failed", exc_info=True)
            raise from_exception(exc, **ctx) from exc
        finally:
            await chunks.aclose()  # closes the HTTP stream when the consumer gives up early

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and hasattr(client, "close"):
            try:
                await client.close()
            except Exception:
                log.debug("closing the LLM client failed", exc_info=True)


async def _until_idle(chunks: AsyncIterator[dict], idle: float) -> AsyncIterator[dict]:
    """The chunks, failing the turn when the provider goes silent mid-answer for `idle` seconds.
    The first chunk may take longer (a long prompt, a model loading): the SDK's own timeout
    guards that wait."""
    first = True
    while True:
        try:
            if first:
                chunk = await anext(chunks)
            else:
                async with asyncio.timeout(idle):
                    chunk = await anext(chunks)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise ProviderError(
                f"The provider stopped sending: nothing came for {idle:g} s in the middle of the answer.",
                "connection",
                hint="What arrived is kept. Ask again (\"go on\"); if it keeps happening, try another model or check the provider's status.",
            ) from None
        first = False
        yield chunk


def _construct(client_class: str, **args: Any) -> Any:
    """A client from its "module:Class", given the arguments its constructor takes."""
    module, _, name = client_class.partition(":")
    cls = getattr(importlib.import_module(module), name)
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in args.items() if k in accepted})


def _as_text(response: Any) -> str:
    """Text however a chuk-llm client hands it over: a list of parts is joined, never repr'd."""
    if isinstance(response, str):
        return response
    if isinstance(response, list):
        return "".join(p.get("text", "") for p in response if isinstance(p, dict) and p.get("type", "text") == "text")
    return str(response)


def _arguments_text(arguments: Any) -> str:
    if isinstance(arguments, dict):
        return json.dumps(arguments)
    return str(arguments) if arguments else "{}"


def _text_of(content: Any) -> str:
    """A tool result as one string: chuk-llm refuses dicts there."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) and p.get("type") == "text" else json.dumps(p) for p in content)
    return "" if content is None else json.dumps(content, default=str)


def normalize_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies shaped the way chuk-llm's validation accepts (see library notes)."""
    out = []
    for message in messages:
        m = dict(message)
        if m.get("role") == "developer":
            m["role"] = "system"
        if m.get("role") == "tool" or isinstance(m.get("content"), dict):
            m["content"] = _text_of(m.get("content"))
        if m.get("tool_calls"):
            m["tool_calls"] = [_normalize_call(c) for c in m["tool_calls"]]
        if m.get("role") == "assistant" and m.get("content") is None:
            m["content"] = ""  # some servers' chat templates fail (HTTP 500) on a missing content
        out.append(m)
    return out


def _normalize_call(call: dict[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    function["arguments"] = _arguments_text(function.get("arguments"))
    return {**call, "type": call.get("type") or "function", "function": function}


def normalize_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    out = []
    for tool in tools:
        function = dict(tool.get("function") or {})
        function["description"] = function.get("description") or ""
        function["parameters"] = function.get("parameters") or {"type": "object", "properties": {}}
        out.append({**tool, "type": tool.get("type") or "function", "function": function})
    return out
