"""chuk-llm's GeminiLLMClient, streaming from the raw generateContent chunks.

Imports chuk_llm and google-genai: import lazily. Overrides the private
`_stream_completion_async` (chuk-llm is pinned to 0.20.1), which in 0.20.1 passes thought
parts on as answer text, drops usageMetadata and finishReason, and turns any failure into a
text chunk. Here the SDK's exception is raised (its HTTP status also as `status_code`),
`thought: true` parts are reasoning (asked for with include_thoughts on 2.5+ models),
functionCall parts come at the end, and the last item carries usage and finishReason in
OpenAI's words. A stream with no finishReason (and no blocked prompt) raises
IncompleteStream. The request is built as chuk-llm builds it.

Also: the constructor takes `api_base` (chuk-llm's ignores it), and importing or building
chuk-llm's Gemini client no longer silences the process: 0.20.1 replaces warnings.warn,
sets PYTHONWARNINGS=ignore for child processes and disables the asyncio/httpx loggers.
`close` also closes the SDK's HTTP session (chuk-llm's does nothing).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

_ENV = ("PYTHONWARNINGS", "GOOGLE_GENAI_SUPPRESS_WARNINGS", "GRPC_VERBOSITY", "GLOG_MINLOGLEVEL", "TF_CPP_MIN_LOG_LEVEL")
_SILENCED = ("google", "grpc", "urllib3", "httpx", "asyncio")  # loggers chuk-llm disables, with their children


@contextlib.contextmanager
def _process_kept() -> Iterator[None]:
    """Undo what chuk-llm's gemini module does to warnings, env and loggers, on the way out."""
    saved_warnings = (warnings.warn, warnings.showwarning, warnings.formatwarning, warnings.filters[:])
    saved_env = {k: os.environ.get(k) for k in _ENV}
    known = {name: logging.getLogger(name) for name in (*_SILENCED, *logging.Logger.manager.loggerDict)}
    saved_loggers = [(lg, lg.level, lg.propagate, lg.disabled, lg.handlers[:]) for lg in known.values()]
    try:
        yield
    finally:
        warnings.warn, warnings.showwarning, warnings.formatwarning, warnings.filters[:] = saved_warnings
        warnings._filters_mutated()  # type: ignore[attr-defined]
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for lg, level, propagate, disabled, handlers in saved_loggers:
            lg.setLevel(level)
            lg.propagate, lg.disabled, lg.handlers[:] = propagate, disabled, handlers
        for name in set(logging.Logger.manager.loggerDict) - set(known):  # made meanwhile, e.g. google.genai.*
            if name.startswith(_SILENCED):
                lg = logging.getLogger(name)
                lg.setLevel(logging.NOTSET)
                lg.propagate, lg.disabled = True, False


with _process_kept():
    from chuk_llm.llm.providers.gemini_client import GeminiLLMClient
    from google import genai
    from google.genai import errors as genai_errors
    from google.genai import types as gtypes

from mcp_tui.llm import tap_items as items  # noqa: E402
from mcp_tui.llm.tap_items import IncompleteStream, field  # noqa: E402

DEFAULT_ROOT = "https://generativelanguage.googleapis.com"
FILTERED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"}
FINISH = {"STOP": "stop", "MAX_TOKENS": "length", **{name: "content_filter" for name in FILTERED}}
_THINKS = re.compile(r"gemini-(2\.5|[3-9])")  # models that take thinking_config


class GeminiTap(GeminiLLMClient):
    def __init__(self, model: str = "gemini-2.5-flash", *, api_key: str | None = None, api_base: str | None = None) -> None:
        with _process_kept():
            super().__init__(model, api_key=api_key)
        # The SDK adds the API version itself: a base ending in /v1 or /v1beta (chuk-llm's
        # configured default ends in /v1) is taken without it.
        root = re.sub(r"/v1(alpha|beta)?/?$", "", (api_base or "").rstrip("/"))
        if root and root != DEFAULT_ROOT:
            key = api_key or os.getenv("GEMINI_API_KEY") or os.getenv("GOOGLE_API_KEY")
            self.client = genai.Client(api_key=key, http_options=gtypes.HttpOptions(base_url=root))

    async def _stream_completion_async(  # type: ignore[override]
        self,
        system: str | None,
        json_instruction: str | None,
        messages: list[dict[str, Any]],
        gemini_tools: list[Any] | None,
        filtered_params: dict[str, Any],
        name_mapping: dict[str, str] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        stream = await self.client.aio.models.generate_content_stream(**await self._payload(system, json_instruction, messages, gemini_tools, filtered_params))
        finish: str | None = None
        report: dict[str, Any] | None = None
        found: list[dict[str, Any]] = []
        try:
            async for chunk in stream:
                if chunk.usage_metadata is not None:
                    report = _usage(chunk.usage_metadata)  # each chunk has the running totals
                blocked = field(chunk.prompt_feedback, "block_reason")
                if blocked:  # the prompt itself was refused: no candidate comes
                    finish = "content_filter"
                for candidate in (chunk.candidates or [])[:1]:
                    if candidate.finish_reason:
                        name = getattr(candidate.finish_reason, "value", str(candidate.finish_reason))
                        finish = FINISH.get(name, name.lower())
                    for part in (candidate.content.parts if candidate.content else None) or []:
                        if part.text:
                            yield items.reasoning(part.text) if part.thought else items.text(part.text)
                        if call := part.function_call:
                            found.append(items.tool_call(call.id, call.name or "", json.dumps(dict(call.args or {}))))
            if finish is None:
                raise IncompleteStream("the stream ended without a finishReason")
            if found:
                yield items.calls(found, self, name_mapping)
            yield items.end(finish, report)
        except genai_errors.APIError as exc:
            exc.status_code = exc.code  # where LLMAdapter (and the openai and anthropic SDKs) keep the HTTP status
            raise
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()

    async def close(self) -> None:
        await super().close()
        await self.client.aio.aclose()  # chuk-llm leaves the HTTP session to the garbage collector

    async def _payload(self, system, json_instruction, messages, gemini_tools, filtered_params) -> dict[str, Any]:
        """chuk-llm 0.20.1's request, plus include_thoughts for models that think."""
        sys_from_messages, contents = await self._split_for_gemini_async(messages)
        final_system = "\n\n".join(s for s in (system or sys_from_messages, json_instruction) if s)
        params = dict(filtered_params)
        if gemini_tools:
            params["tools"] = gemini_tools
        params.setdefault("max_output_tokens", 4096)
        if _THINKS.search(self.model) and "thinking_config" not in params:
            params["thinking_config"] = gtypes.ThinkingConfig(include_thoughts=True)
        combined = "\n\n".join(contents) if contents else "Hello"
        if final_system and self.supports_feature("system_messages"):
            params["system_instruction"] = final_system
        elif final_system:
            combined = f"System: {final_system}\n\nUser: {combined}"
        return {"model": self.model, "contents": combined, "config": gtypes.GenerateContentConfig(**params)}


def _usage(meta: Any) -> dict[str, Any]:
    thoughts = meta.thoughts_token_count or 0
    prompt = (meta.prompt_token_count or 0) + (meta.tool_use_prompt_token_count or 0)
    # Gemini counts thoughts apart from the candidates; OpenAI's completion_tokens has both.
    return items.usage(prompt, (meta.candidates_token_count or 0) + thoughts, meta.cached_content_token_count, thoughts)
