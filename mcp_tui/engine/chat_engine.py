"""The engine both faces drive: settings in, events out.

Builds the LLM adapter, the ServerManager and the ChatContext, starts the servers in
the background and runs turns. Events that happen between turns (server states,
segment rolls) go to `listeners`; a turn's events come from `run_turn`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable

from pydantic import SecretStr

from mcp_tui.config.models import ServerConfig
from mcp_tui.config.preferences import SavedTrust
from mcp_tui.config.settings import Settings
from mcp_tui.engine.approval import ApprovalPolicy, Asker
from mcp_tui.engine.context import DEFAULT_SYSTEM_PROMPT, PLAIN_SYSTEM_PROMPT, ChatContext
from mcp_tui.engine.conversation import Conversation
from mcp_tui.engine.persistence import SessionRecorder, fork_recorder, open_recorder, restore
from mcp_tui.llm.resolve import session_meta
from mcp_tui.models.provider import display_label
from mcp_tui.logsetup import add_secrets, mask_secrets, tame_library_handlers
from mcp_tui.models.events import (
    Event, ResourceChanged, SavingChanged, SegmentRolled, ServerLogged, ServerStateChanged, ToolCallFinished, UsageUpdated,
)
from mcp_tui.engine.mcp_input import Attachments, TurnInput, prompt_input
from mcp_tui.store.session_file import SessionRecord
from mcp_tui.engine.meter import request_usage
from mcp_tui.models.usage import RequestUsage
from mcp_tui.engine.summary import TRANSCRIPT_CHARS
from mcp_tui.store.tokens import REPLY_PRIMING, count_message_tokens, count_tools_tokens, mark_free, warm

RUNS_HERE = {"demo", "ollama", "llamacpp"}  # no bill: their tokens are not priced

log = logging.getLogger(__name__)


class SwitchRefused(ValueError):
    """A model switch that would fail at the next turn; the message says why."""


class ChatEngine:
    def __init__(
        self,
        settings: Settings,
        servers: list[ServerConfig],
        *,
        asker: Asker | None = None,
        resume: SessionRecord | None = None,
    ) -> None:
        from mcp_tui.servers import ServerManager

        self.settings = settings
        self.server_configs = servers
        add_secrets(v for c in servers for v in c.secret_values())
        if settings.api_key:
            add_secrets([settings.api_key.get_secret_value()])
        # Keys the providers read from the environment (OPENAI_API_KEY, …) are secrets too.
        add_secrets(value for name, value in os.environ.items() if name.endswith(("_API_KEY", "_TOKEN")))
        self.listeners: list[Callable[[Event], None]] = []
        self._usage_task: asyncio.Task | None = None
        self._closing = False
        self.llm = self._make_llm(settings.provider or "openai", settings.model)
        from mcp_tui.engine.client_host import EngineHost

        self.host = EngineHost(self)
        self.servers = ServerManager(
            servers, call_timeout=settings.tool_timeout, on_status=self._server_status, host=self.host
        )
        self.attachments = Attachments(self.servers)  # resources attached with @server:uri
        self.servers.resource_listeners.append(self._resource_changed)
        for messages in self.servers.messages():
            messages.listeners.append(self._server_logged)
        self.context = ChatContext(
            provider=self.llm.provider,
            model=self.llm.model,
            system_prompt=settings.system_prompt or (DEFAULT_SYSTEM_PROMPT if self._tools_on(settings) else PLAIN_SYSTEM_PROMPT),
            token_threshold=settings.token_threshold,
            max_turns_per_segment=settings.max_turns_per_segment,
        )
        tame_library_handlers()  # the session manager's import attached a stderr handler
        warm(self.llm.model)  # the engine is built off the event loop: the tokenizer loads here
        self.resolution = settings.resolution
        self.context.label = display_label(self.llm.provider, self.resolution.kind if self.resolution else None, self.llm.model)
        if self.resolution is not None and self.resolution.kind == "local":
            mark_free(self.llm.model)
        self.context.on_segment_rolled.append(self._segment_rolled)
        self.policy = ApprovalPolicy(settings.approve, asker, SavedTrust() if settings.persist else None)
        self.conversation = Conversation(
            self.context,
            self.llm,
            self.servers,
            self.policy,
            max_rounds=settings.max_rounds,
            summarize=self.summarize,
            server_wait=settings.server_wait,
            max_tools=settings.max_tools,
        )
        self.conversation.use_tools = self._tools_on(settings)
        self.local_server = None  # the embedded model's llama.cpp server, started by start()
        self.notices: list[str] = []  # problems start() met that the face should show
        if self.policy.saved is not None and self.policy.saved.problem:  # a damaged settings.toml
            self.notices.append(self.policy.saved.problem)
        self._resume = resume
        self.resumed_from = resume.path if resume else None  # its file: where kept tool results are
        self.recorder: SessionRecorder | None = None
        if settings.persist:
            self.recorder, notice = open_recorder(self.context, resume, session_meta(settings.api_base, settings.resolution))
            self.notices += [notice] if notice else []
            self.recorder.writer.on_change.append(self._saving_changed)

    @staticmethod
    def _tools_on(settings: Settings) -> bool:
        return settings.resolution.tools if settings.resolution else True

    def _make_llm(self, provider: str, model: str | None):
        from mcp_tui.llm import LLMAdapter, LLMSettings

        same_provider = provider == (self.settings.provider or "openai")
        llm = LLMAdapter(
            LLMSettings(
                provider=provider,
                model=model,
                # a base URL or key given for one provider means nothing to another
                api_base=self.settings.api_base if same_provider else None,
                api_key=self.settings.api_key if same_provider else None,
            ),
            max_retries=self.settings.max_retries,
            idle_timeout=self.settings.stream_idle_timeout,
        )
        if provider in RUNS_HERE:
            mark_free(llm.model)
        return llm

    async def set_model(self, model: str | None, provider: str | None = None) -> str:
        """Switch model (and provider) for the next turn; returns the new provider/model label.
        Raises SwitchRefused, keeping the current model, when the switch cannot work (unknown
        provider, a name outside a closed model list, no API key): said now, not at the next turn."""
        if self.busy:
            raise RuntimeError("wait for the answer to finish (or press Esc) before switching models")
        from mcp_tui.llm.catalog import provider_info, switch_problem

        llm = self._make_llm(provider or self.llm.provider, model)
        info = await asyncio.to_thread(provider_info, llm.provider)
        problem = switch_problem(info, llm.provider, model, key_given=llm.settings.api_key is not None)
        if problem:
            raise SwitchRefused(problem)
        await asyncio.to_thread(warm, llm.model)  # the first count with a new tokenizer takes ~1 s
        old, self.llm = self.llm, llm
        self.conversation.llm = llm
        self.conversation.use_tools = True
        self.context.set_model(llm.provider, llm.model, display_label(llm.provider))
        if self.recorder is not None:
            self.recorder.switched(session_meta(llm.settings.api_base, None))
        await old.aclose()
        return self.context.model_label

    def clear(self) -> None:
        """Forget the conversation (the system prompt stays); saved as a rewind to nothing."""
        self.rewind(0)

    def rewind(self, keep: int) -> None:
        """Keep the first `keep` messages of the conversation (not counting the system
        prompt), drop the rest, and save that; refused while a turn runs."""
        if self.busy:
            raise RuntimeError("wait for the answer to finish (or press Esc) first")
        self.context.rewind(keep)
        self._usage_soon()

    def load(self, messages) -> None:
        """Replace the conversation with `messages` (/load); the session file follows."""
        if self.busy:
            raise RuntimeError("wait for the answer to finish (or press Esc) first")
        self.context.load(messages)
        self._usage_soon()

    async def fork(self, keep: int) -> SessionRecorder:
        """Go on in a new session file holding the first `keep` messages (and the segments,
        summaries and totals up to there); the original file stays as it was."""
        if self.busy:
            raise RuntimeError("wait for the answer to finish (or press Esc) first")
        if self.recorder is None:
            raise RuntimeError("this session is not being saved (--no-save), so it cannot be forked")
        old = self.recorder
        old.detach()  # the cut below is the fork's, not the original's
        self.context.rewind(keep)
        self.recorder = fork_recorder(self.context, old, await self.context.get_token_stats())
        self.recorder.writer.on_change.append(self._saving_changed)
        old.close()
        self._usage_soon()
        return self.recorder

    async def compact(self) -> str:
        """Roll the conversation into a new segment now; returns the summary."""
        if self.busy:
            raise RuntimeError("wait for the answer to finish (or press Esc) first")
        summary = await self.context.roll_segment(self.summarize)
        if self.recorder is not None:  # the summary request counts: saved with the roll
            self.recorder.usage(await self.context.get_token_stats())
        self._usage_soon()
        return summary

    async def summarize(self, messages: list[dict]) -> str | None:
        from mcp_tui.engine.summary import model_summary

        # A third of the threshold (~4 characters a token): the request must fit the window it rolls for.
        chars = max(800, min(TRANSCRIPT_CHARS, self.context.token_threshold * 4 // 3))
        return await model_summary(self.llm, messages, max_chars=chars, on_usage=self.side_usage)

    def side_usage(self, request: list[dict], reported, text: str) -> RequestUsage:
        """A request beside the conversation (a summary, a server's sampling request) costs
        tokens too: into the session's totals."""
        estimate = sum(count_message_tokens(m, self.context.model) for m in request) + REPLY_PRIMING
        usage = request_usage(reported, prompt_estimate=estimate, completion_text=text, provider=self.context.provider, model=self.context.model)
        self.context.tracker.record(usage)
        return usage

    async def start(self) -> None:
        """Bring back a resumed session, start every server in the background; returns at once."""
        if self.recorder is not None and self.recorder.writer.problem:  # met before any face listened
            self._saving_changed(self.recorder.writer.problem)
        if self._resume is not None:
            resume, self._resume = self._resume, None
            await restore(self.context, resume)
        await self.servers.start()
        if self.resolution is not None and self.resolution.kind == "local" and self.local_server is None:
            try:
                await self._start_local_model()
            except Exception as exc:  # the app stays usable: fall back to the guide and say why
                log.exception("local model did not start")
                self.notices.append(f"The local model did not start ({exc}); using the demo guide instead. Details: mcp-tui --doctor")
                await self.set_model("guide", "demo")

    async def _start_local_model(self) -> None:
        from mcp_tui.llm.local_model import LocalModelServer
        from mcp_tui.paths import log_dir

        self.local_server = LocalModelServer(self.resolution.local_model_path, log_file=log_dir() / "local-model.log")
        url = await self.local_server.start()
        # Its own key: not a secret, so it stays out of the masking list.
        self.llm.settings = self.llm.settings.model_copy(update={"api_base": url, "api_key": SecretStr("local")})

    async def prompt_input(self, server: str, name: str, arguments: dict[str, str]) -> TurnInput:
        """An MCP prompt's messages, for run_turn; raises CatalogError when the server refuses."""
        return await prompt_input(self.servers, server, name, arguments)

    async def attach(self, text: str) -> TurnInput:
        """Typed text with the resources it names (@server:uri) read in; raises InputError."""
        return await self.attachments.turn_input(text, {c.name for c in self.server_configs})

    def _resource_changed(self, server: str, uri: str) -> None:
        if self.attachments.updated(server, uri):
            self._notify(ResourceChanged(server=server, uri=uri))

    async def run_turn(self, text: str | TurnInput) -> AsyncIterator[Event]:
        async for event in self.conversation.run_turn(text):
            if isinstance(event, UsageUpdated) and self.recorder is not None:
                self.recorder.usage(event.usage)
            elif isinstance(event, ToolCallFinished) and event.truncated and self.recorder is not None:
                await self.recorder.full_result(event.call_id, event.result)
            yield event

    def cancel(self) -> bool:
        return self.conversation.cancel()

    @property
    def busy(self) -> bool:
        return self.conversation.busy

    async def restart_server(self, name: str) -> None:
        await self.servers.restart(name)

    async def aclose(self) -> None:
        self.cancel()
        self._closing = True
        if self._usage_task is not None:
            self._usage_task.cancel()
        try:
            await self.servers.aclose()
        finally:
            await self.context.aclose()
            await self.llm.aclose()
            if self.local_server is not None:
                await self.local_server.aclose()
            if self.recorder is not None:
                self.recorder.close()

    def _notify(self, event: Event) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:  # a face's bug must not stop the engine
                log.exception("event listener failed")

    notify = _notify  # for the engine's helpers (sampling) that tell the faces something

    def server_event(self, status) -> ServerStateChanged:
        """A server's state as the faces show it, with what its tool definitions cost."""
        tools = [t.to_openai() for t in self.servers.server_tools(status.name)]
        return ServerStateChanged(
            name=status.name,
            state=status.state.value,
            reason=mask_secrets(status.reason) if status.reason else None,
            tool_count=status.tool_count,
            tool_tokens=count_tools_tokens(tools, self.context.model) if tools else 0,
            tools_on=status.name not in self.servers.tools_off,
            reconnecting=status.reconnecting,
        )

    def _server_status(self, status) -> None:
        self._notify(self.server_event(status))
        self._usage_soon()

    def _server_logged(self, entry) -> None:
        self._notify(ServerLogged(server=entry.server, level=entry.level, logger=entry.logger, text=entry.text, at=entry.at))

    async def set_log_level(self, name: str, level: str) -> None:
        """Ask a server for log messages at `level` and above (also after it restarts); KeyError
        for no such server, ValueError for no such level."""
        from mcp_tui.config.models import LOG_LEVELS

        if level not in LOG_LEVELS:
            raise ValueError(f"{level!r} is not a level: use one of {', '.join(LOG_LEVELS)}")
        await self.servers.set_log_level(name, level)

    def tool_switches(self) -> list[tuple[str, bool]]:
        """(server, tools offered?) for every configured server."""
        return [(s.name, s.name not in self.servers.tools_off) for s in self.servers.statuses()]

    def set_tools_on(self, name: str, on: bool) -> None:
        """Switch a server's tools off (or on again) for this session; the context figure follows."""
        self.servers.set_tools_on(name, on)

    def _usage_soon(self) -> None:
        """Between turns, tell the faces the context figure again (the tool set changed)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._closing:
            return
        if self._usage_task is None or self._usage_task.done():
            self._usage_task = loop.create_task(self._refresh_usage(), name="usage-refresh")

    async def _refresh_usage(self) -> None:
        if self.busy:
            return  # the turn reports its own figures
        await self.conversation.refresh_tools(self._notify)
        self._notify(await self.conversation.usage_event())

    def _saving_changed(self, problem: str | None) -> None:
        self._notify(SavingChanged(saving=problem is None, error=problem or "", path=str(self.recorder.writer.path)))

    def _segment_rolled(self, segment: int, summary: str) -> None:
        if not self.busy:  # a turn's own rolls come with its events, in order
            self._notify(SegmentRolled(segment=segment, summary=summary))
