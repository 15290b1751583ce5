"""The Textual face: composes the screen and routes engine events to widgets.

One worker per turn consumes the engine's events; events between turns (server
states, segment rolls) arrive as `EngineEvent` messages. Widgets own their display.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from functools import partial
from typing import NoReturn
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Header

from mcp_tui.engine.approval import ApprovalRequest, Decision
from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.engine.mcp_input import TurnInput
from mcp_tui.engine.tool_outcome import CHIP_STATE, chip_detail
from mcp_tui.models.events import (
    ElicitationAnswered,
    ElicitationCompleted,
    Event,
    SamplingHandled,
    ResourceChanged,
    SavingChanged,
    SegmentRolled,
    ServerLogged,
    ServerStateChanged,
    ReasoningDelta,
    TextDelta,
    ToolCallAwaitingApproval,
    ToolCallFailed,
    ToolCallFinished,
    ToolCallProgress,
    ToolCallRequested,
    ToolCallStarted,
    ToolSchemasLarge,
    ToolsLeftOut,
    TurnFailed,
    TurnFinished,
    UsageUpdated,
)
from mcp_tui.ui import login
from mcp_tui.ui.commands import McpTuiCommands, parse_slash
from mcp_tui.ui.screens.approval import ApprovalScreen
from mcp_tui.ui.screens.sampling import ask_sampling
from mcp_tui.ui.screens.trust import TrustScreen
from mcp_tui.ui.screens.help import HelpScreen
from mcp_tui.ui.screens.segments import SegmentBrowser
from mcp_tui.ui.screens.sessions import SessionsScreen
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.history_widgets import context_rolls, history_widgets, record_rolls, roll_note, tool_messages
from mcp_tui.ui.shutdown import QUIT_DEADLINE, ShutdownDeadline, flush_and_exit
from mcp_tui.ui.slash_actions import SlashActions
from mcp_tui.ui.mcp_actions import McpActions, turn_widgets
from mcp_tui.ui.preference_actions import PreferenceActions
from mcp_tui.ui.block_actions import BlockActions
from mcp_tui.ui.server_log_actions import ServerLogActions
from mcp_tui.ui.elicitation_actions import ElicitationActions
from mcp_tui.ui.transcript_cursor import CursorTranscript, bind_messages
from mcp_tui.ui.widgets.chat_search import ChatSearch
from mcp_tui.models.messages import stop_hint
from mcp_tui.words import plural
from mcp_tui.text import safe_text
from mcp_tui.ui.widgets.thinking import ThinkingBlock
from mcp_tui.ui.widgets.chat import (
    AssistantMessage,
    EarlierMessages,
    ErrorNote,
    InfoNote,
    ToolChip,
    Transcript,
)
from mcp_tui.ui.completions import EngineSources
from mcp_tui.ui.widgets.completion import CompletionList
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.ui.widgets.sidebar import ServerList, Sidebar
from mcp_tui.ui.widgets.timeline import ToolRecord, ToolTimeline, saved_calls

log = logging.getLogger(__name__)
NARROW = 100  # columns: below this the sidebar folds away (Ctrl+B shows it over the chat)
QUIT_GRACE = 0.5  # seconds a server may take to exit by itself when the app quits
RECENT_MESSAGES = 60  # of a saved session, drawn in full at once; the rest on demand


class EngineEvent(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class McpTuiApp(ServerLogActions, BlockActions, SlashActions, McpActions, PreferenceActions, ElicitationActions, App[int]):
    CSS_PATH = Path(__file__).with_name("styles.tcss")
    TITLE = "mcp-tui"
    COMMANDS = App.COMMANDS | {McpTuiCommands}
    # Screen classes styles.tcss sizes the panes by: below 100 columns the sidebar folds away.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-wide"), (160, "-roomy")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-medium"), (50, "-tall")]
    BINDINGS = [
        Binding("escape", "stop", "Stop"),
        Binding("f1", "help", "Help"),  # early: a narrow footer cuts the last keys, F1 lists them all
        Binding("ctrl+p", "command_palette", "Commands"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar"),
        Binding("ctrl+t", "focus_timeline", "Timeline"),
        Binding("ctrl+l", "focus_prompt", "Prompt", show=False),
        Binding("ctrl+y", "copy_answer", "Copy answer"),
        Binding("ctrl+up,alt+up", "chat_cursor", "Chat", key_display="^↑"),
        Binding("f6", "chat_cursor", "Chat", show=False, priority=True),  # the prompt's TextArea binds F6 too
        Binding("ctrl+f", "search", "Search"),
        Binding("f3", "search_step(1)", "Next match", show=False),
        Binding("shift+f3", "search_step(-1)", "Previous match", show=False),
        Binding("ctrl+r", "toggle_thinking", "Thinking", show=False),
        Binding("ctrl+g", "segments", "Segments"),
        Binding("ctrl+o", "sessions", "Sessions"),
        Binding("f4", "pick_model", "Model"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        engine: ChatEngine | None = None,
        *,
        starter: Callable[..., tuple[ChatEngine, list[str]]] | None = None,
        threshold: int = 150_000,
        preview=None,
        notices: list[str] | None = None,
        log_path: Path | None = None,
        quit_deadline: float | None = None,
    ) -> None:
        """Give the engine, or a `starter` that builds it (and returns notices to show):
        the starter runs in a thread after the first frame, so the screen is up at once
        while the heavy libraries load. It is called with `confirm`, which asks the user
        (blocking that thread) before a working-folder config starts anything."""
        super().__init__()
        self.engine: ChatEngine | None = None
        self._starter = starter
        self._threshold = threshold
        self._preview = preview  # a saved session to draw while the engine is built
        if engine is not None:
            self._attach(engine)
        self.notices = notices or []
        self.log_path = log_path
        self._answer: AssistantMessage | None = None
        self._thinking: ThinkingBlock | None = None  # the block the current thinking streams into
        self._earlier: list = []  # saved messages not drawn yet (see show_history)
        self._head_shown = False
        self._history_label = ""
        self._chips: dict[str, ToolChip] = {}
        self._tool_results: dict = {}  # call id → saved tool message, for the chips of redrawn history
        self._not_saving = False
        self.last_answer = ""
        self.deadline = ShutdownDeadline(self._last_step, quit_deadline)  # see run_app

    def _attach(self, engine: ChatEngine) -> None:
        self.engine = engine
        engine.policy.asker = self.ask_approval
        engine.policy.confirm = self.confirm_trust
        engine.host.sampler.asker = partial(ask_sampling, self)
        engine.host.elicitor.asker = self.ask_elicitation
        engine.listeners.append(lambda event: self.post_message(EngineEvent(event)))
        login.attach(self, engine)
        self.refresh_bindings()  # check_action allows more now: the footer shows every key at once

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield CursorTranscript(id="transcript")
                yield ChatSearch(id="chat-search")
                yield ToolTimeline(id="timeline")
            if self.engine is None:
                yield Sidebar("starting…", self._threshold, id="sidebar")
            else:
                resolution = self.engine.resolution
                steps = resolution.steps if resolution is not None else None
                yield Sidebar(self.engine.context.model_label, self.engine.context.token_threshold, steps, id="sidebar")
        prompt = PromptInput(id="prompt", placeholder="Type a message · Enter send · Ctrl+J new line · Esc stop · F1 help")
        prompt.completion = CompletionList(EngineSources(lambda: self.engine), id="completion")
        yield prompt.completion
        yield prompt
        yield Footer(show_command_palette=False)  # ctrl+p is among the keys already

    def on_resize(self, event) -> None:
        self.query_one(Footer).compact = event.size.width < NARROW  # more keys in sight

    async def on_mount(self) -> None:
        self._catch_hangup()
        self.restore_theme()
        self.query_one(PromptInput).focus()
        self.query_one(Transcript).border_title = "chat"
        if self.engine is None:
            self.sub_title = "starting…"
            if self._preview is not None:
                meta = self._preview.meta
                await self.show_history(self._preview.messages, label=f"{meta.get('provider', '?')}/{meta.get('model', '?')}", sessions=(self._preview.path,))
            self.run_worker(self._boot(), group="boot")
        else:
            await self._welcome()

    async def _boot(self) -> None:
        try:
            engine, notices = await asyncio.to_thread(self._starter, self._confirm_from_thread)  # imports off the event loop
        except Exception as exc:
            log.exception("the engine did not start")
            await self.query_one(Transcript).add(ErrorNote(f"mcp-tui could not start: {exc}. Details: mcp-tui --doctor and the log file."))
            return
        self._attach(engine)
        if not self.is_running:  # quit while it was being built: nothing was started yet
            return
        self.refresh_bindings()  # check_action allows more now: the footer shows every key
        self.notices += notices
        resolution = engine.resolution
        self.query_one(Sidebar).set_model(engine.context.model_label, resolution.steps if resolution else None)
        await self._welcome()

    def _confirm_from_thread(self, request) -> bool:
        """The starter's `confirm`: shows TrustScreen from its thread and waits for the answer."""

        async def ask() -> bool:
            answer = asyncio.get_running_loop().create_future()
            self.push_screen(TrustScreen(request), callback=lambda ok: answer.set_result(bool(ok)))
            return await answer

        return self.call_from_thread(ask)

    def check_action(self, action: str, parameters) -> bool | None:
        """Until the engine is there, only quitting and help work."""
        return self.engine is not None or action in ("quit", "help", "command_palette", "toggle_sidebar", "focus_prompt")

    async def _welcome(self) -> None:
        self._show_title()
        transcript = self.query_one(Transcript)
        welcome = Text()
        welcome.append(f"Model: {self.engine.context.model_label}. ", style="bold")
        welcome.append("Type a message and press Enter. F1 shows every key; Ctrl+P every command.")
        if self.engine.llm.provider == "demo":
            welcome.append("\nTry “what time is it in Tokyo?” or “which tables are there?”.")
        await transcript.add(InfoNote(welcome))
        for notice in self.notices:
            await transcript.add(ErrorNote(notice))
        if await self._start_engine():
            await self.note(f"Resumed session {self.engine.recorder.session_id if self.engine.recorder else ''}: {plural(len(self.engine.context.history.messages) - 1, 'message')}.")

    async def _start_engine(self) -> bool:
        """Start the engine (servers connect in the background) and draw what it brought
        back; True when it resumed a saved conversation."""
        await self.engine.start()
        if not self.is_running:  # quit while the servers were starting: the screen is gone
            return False
        for notice in self.engine.notices:
            await self.query_one(Transcript).add(ErrorNote(notice))
        self.engine.notices.clear()
        sidebar = self.query_one(Sidebar)
        if sidebar.model_label != self.engine.context.model_label:  # start() fell back to another model
            sidebar.set_model(self.engine.context.model_label)
            self._show_title()
        self._show_server_states()
        self.run_worker(self._reconcile_servers(self.engine), group="servers")
        resumed = len(self.engine.context.history.messages) > 1
        previewed, self._preview = self._preview is not None, None  # drawn already, before the engine was there
        if resumed and not previewed:
            recorder, source = self.engine.recorder, self.engine.resumed_from  # a fork writes to a new file
            sessions = ((recorder.writer.path,) if recorder else ()) + ((source,) if source else ())
            await self.show_history(self.engine.context.history.messages, sessions=sessions)
        if resumed:  # the saved totals and the context of what is resumed, before any turn
            self._show_usage(self.engine.context.token_stats, self.engine.context.token_threshold)
        return resumed

    def _show_server_states(self) -> None:
        for status in self.engine.servers.statuses():
            self.query_one(ServerList).show(self.engine.server_event(status))

    async def _reconcile_servers(self, engine: ChatEngine) -> None:
        """Once every server has settled, the sidebar shows their real states, whatever
        became of the events on the way (a server may fail before its row exists)."""
        await engine.servers.wait_settled()
        if self.is_running and engine is self.engine:
            self._show_server_states()

    def _show_title(self) -> None:
        self.sub_title = self.query_one(Sidebar).summary()  # in sight also when the sidebar is not
        if self._not_saving:
            self.sub_title += " · ⚠ not saving"

    def _show_usage(self, usage, threshold: int) -> None:
        self.query_one(Sidebar).show_usage(usage, threshold)
        self._show_title()

    # -- sending -----------------------------------------------------------------
    @on(PromptInput.Submitted)
    async def send(self, message: PromptInput.Submitted) -> None:
        if self.engine is None:
            self.notify("Still starting — one moment.", severity="warning")
            self.query_one(PromptInput).load_text(message.text)
            return
        slash = parse_slash(message.text)
        if slash is not None:
            command, argument = slash
            await self.run_slash(command, argument)
            return
        if await self.run_prompt_command(message.text):  # /server:prompt name=value …
            return
        if message.text.startswith("/"):
            await self.note(f"Unknown command {message.text.split()[0]}. /help lists the commands.")
            return
        if self.engine.busy:
            self.notify("An answer is still running: wait for it or press Esc to stop it.", severity="warning")
            self.query_one(PromptInput).load_text(message.text)
            return
        entry = await self.turn_input(message.text)  # @server:uri resources read in
        if entry is None:
            return
        await self.apply_pending_edit()
        self.run_turn(entry)

    @work(group="turn", exit_on_error=False)
    async def run_turn(self, text: str | TurnInput) -> None:
        transcript = self.query_one(Transcript)
        transcript.anchor()
        saved_from = len(self.engine.context.history.messages)
        transcript.begin_turn()
        try:
            for widget in turn_widgets(text):  # the message, its attachments, or a prompt's messages
                await transcript.add(widget)
            self._answer = None
            self._chips.clear()
            async for event in self.engine.run_turn(text):
                await self.on_turn_event(event)
        finally:
            transcript.end_turn(self.engine.context.history.messages[saved_from:])
        await self._prune_transcript()

    async def _prune_transcript(self) -> None:
        """Old turns leave the DOM; the marker above the rest brings them back (Home, click),
        as for a resumed session."""
        transcript = self.query_one(Transcript)
        await transcript.settle()
        pruned = await transcript.prune()
        if not pruned:
            return
        marker = next(iter(transcript.query(EarlierMessages)), None)
        if marker is None:  # none means nothing was waiting: what `_earlier` holds is stale
            self._earlier, self._head_shown = [], False
            marker = EarlierMessages(0)
            await transcript.mount(marker, before=transcript.oldest_live())
        self._earlier += pruned
        marker.show_count(len(self._earlier))

    async def on_turn_event(self, event: Event) -> None:
        transcript = self.query_one(Transcript)
        timeline = self.query_one(ToolTimeline)
        if isinstance(event, ReasoningDelta):
            if self._thinking is None:
                await self._close_answer()
                self._thinking = ThinkingBlock()
                await transcript.add(self._thinking)
            self._thinking.append_text(event.text)
        elif isinstance(event, TextDelta):
            self._thinking = None  # the answer began: the next thinking is a new block
            if self._answer is None:
                self._answer = AssistantMessage(self.engine.context.model_label)
                await transcript.add(self._answer)
            self._answer.append_text(event.text)
        elif isinstance(event, ToolCallRequested):
            self._thinking = None
            await self._close_answer()
            record = ToolRecord(event.call_id, event.server, event.tool, event.arguments, event.raw_arguments, requested_at=event.at)
            timeline.add_call(record)
            chip = ToolChip(event.call_id, record.label)
            self._chips[event.call_id] = chip
            await transcript.add(chip)
        elif isinstance(event, ToolCallAwaitingApproval):
            self._tool_state(event.call_id, "waiting for approval", "waiting")
        elif isinstance(event, ToolCallStarted):
            self._tool_state(event.call_id, "running", "running")
        elif isinstance(event, ToolCallProgress):
            total = f"/{event.total:g}" if event.total else ""
            progress = f"{event.progress:g}{total}" + (f" {event.message}" if event.message else "")
            timeline.update_call(event.call_id, progress=progress)
        elif isinstance(event, ToolCallFinished):
            state = "error result" if event.is_error else "done"
            timeline.update_call(event.call_id, state=state, duration=event.duration, result=event.result, links=event.links)
            said = f" · {chip_detail('error', event.result)}" if event.is_error else ""
            self._chip(event.call_id, "error" if event.is_error else "done", f"{event.duration:.2f} s{said}")
        elif isinstance(event, ToolCallFailed):
            state = CHIP_STATE.get(event.kind, "failed")
            timeline.update_call(event.call_id, state=state, duration=event.duration, result=event.error)
            self._chip(event.call_id, state, chip_detail(state, event.error))
        elif isinstance(event, UsageUpdated):
            self._show_usage(event.usage, event.threshold)
        elif isinstance(event, SegmentRolled):
            await self._close_answer()
            await self._segment_note(event, reveal=False)  # the turn follows the bottom unless the user scrolled
        elif isinstance(event, TurnFinished):
            if event.usage is not None and event.usage.requests:
                self.query_one(Sidebar).show_turn(event.usage)
            began = self._answer is not None
            if began:
                self.last_answer = self._answer.text or self.last_answer
            await self._close_answer(interrupted=event.cancelled or event.cut is not None)
            self._thinking = None
            if event.cancelled and not began:  # no answer to mark: say where Esc stopped it
                await transcript.add(InfoNote(Text("⏹ Stopped before the answer began.")))
            if event.refusal:
                await transcript.add(ErrorNote(f"The model declined to answer: {event.refusal}", "Rephrase the request, or ask another model."))
            if event.cut:
                await transcript.add(ErrorNote(event.cut, stop_hint(event.cut)))
        elif isinstance(event, (ToolSchemasLarge, ToolsLeftOut)):
            await self.note(event.message, "tools", reveal=False)
        elif isinstance(event, TurnFailed):
            await self._close_answer(interrupted=True)
            await transcript.add(ErrorNote(event.error, event.hint))
        else:
            self.handle_engine_event(event)

    def _tool_state(self, call_id: str, state: str, chip_state: str) -> None:
        self.query_one(ToolTimeline).update_call(call_id, state=state)
        self._chip(call_id, chip_state)

    def _chip(self, call_id: str, state: str, detail: str = "") -> None:
        chip = self._chips.get(call_id)
        if chip is not None:
            chip.set_state(state, detail)

    async def _close_answer(self, *, interrupted: bool = False) -> None:
        if self._answer is not None:
            answer, self._answer = self._answer, None
            await answer.finish(interrupted=interrupted)

    # -- events between turns ----------------------------------------------------
    @on(EngineEvent)
    def on_engine_event(self, message: EngineEvent) -> None:
        if self.is_running:  # events still queued while the app shuts down find no widgets
            self.handle_engine_event(message.event)

    def handle_engine_event(self, event: Event) -> None:
        if isinstance(event, ServerStateChanged):
            self.query_one(ServerList).show(event)
            login.server_changed(self, event.name, event.state)
            if event.state == login.NEEDS_LOGIN:
                self.notify(f"Server {event.name} needs a login: select it in the sidebar and press l (or Ctrl+P → Log in to {event.name}).", severity="warning", markup=False)
            elif event.state in ("failed", "exited") and not event.reconnecting:  # the sidebar says it meanwhile
                self.notify(f"Server {event.name} {event.state}: {event.reason or 'no reason given'}. Select it in the sidebar and press r to restart.", severity="error", markup=False)
        elif isinstance(event, SavingChanged):
            self.query_one(Sidebar).show_saving(None if event.saving else event.warning)
            self._not_saving = not event.saving
            self._show_title()
            if event.saving:
                self.notify(f"Saving again to {event.path}.", markup=False)
            else:
                self.notify(event.warning, severity="error", timeout=10, markup=False)
        elif isinstance(event, SegmentRolled):
            self.run_worker(self._segment_note(event), group="notes")
        elif isinstance(event, UsageUpdated):
            self._show_usage(event.usage, event.threshold)
        elif isinstance(event, SamplingHandled):
            self.run_worker(self.note(event.note, "sampling", reveal=False), group="notes")
        elif isinstance(event, ResourceChanged):
            self.resource_changed(event)
        elif isinstance(event, ServerLogged):
            self.server_logged(event)
        elif isinstance(event, (ElicitationAnswered, ElicitationCompleted)):
            self.show_elicitation_event(event)

    async def _segment_note(self, event: SegmentRolled, reveal: bool = True) -> None:
        """A roll is said in the chat, with what the summary kept (the segment browser has it all)."""
        self.query_one(Sidebar).show_segment(event.segment, event.segment)
        why = f" ({event.reason})" if event.reason else ""
        await self._note_widget(roll_note(event.segment, event.summary, why), reveal)

    @on(ServerList.RestartRequested)
    def restart_server(self, message: ServerList.RestartRequested) -> None:
        status = next((s for s in self.engine.servers.statuses() if s.name == message.name), None)
        if status is not None and status.state.value == "starting":
            self.notify(f"{message.name} is still starting.", markup=False)
            return
        self.notify(f"Restarting {message.name}…", markup=False)
        self.run_worker(self.engine.restart_server(message.name), group="servers")

    @on(ServerList.LoginRequested)
    def log_in(self, message: ServerList.LoginRequested) -> None:
        login.log_in(self, message.name)

    @on(ServerList.ToolsToggled)
    def toggle_tools(self, message: ServerList.ToolsToggled) -> None:
        self.set_tools_on(message.name, message.on)

    def set_tools_on(self, name: str, on: bool) -> None:
        try:
            self.engine.set_tools_on(name, on)
        except KeyError:
            self.notify(f"No server is called {name}.", severity="warning", markup=False)
            return
        state = "offered to the model again" if on else "switched off for this session (t in the sidebar turns them on)"
        self.notify(f"Tools of {name} {state}.", markup=False)

    @on(ToolTimeline.Open)
    def open_tool(self, message: ToolTimeline.Open) -> None:
        self.push_screen(ToolDetailScreen(message.record))

    # -- approval ----------------------------------------------------------------
    async def ask_approval(self, request: ApprovalRequest) -> Decision:
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()

        def answered(decision: Decision | None) -> None:
            if decision is None:  # Esc: stop the whole turn; this call ends cancelled
                self.engine.cancel()
            if not future.done():
                future.set_result(decision or Decision.DENY)

        screen = ApprovalScreen(request)
        self.push_screen(screen, answered)
        try:
            return await future
        finally:
            if not future.done() and screen.is_current:
                screen.dismiss(Decision.DENY)

    # -- actions -----------------------------------------------------------------
    def action_stop(self) -> None:
        if not self.engine.cancel():
            self.cancel_edit()
            self.query_one(PromptInput).focus()

    def action_toggle_thinking(self) -> None:
        """Open (or close) the model's latest thinking."""
        blocks = self.query(ThinkingBlock)
        if blocks:
            blocks.last().toggle()
        else:
            self.notify("No thinking to show: this model sent none.", markup=False)

    def action_toggle_sidebar(self) -> None:
        # classes, not `display`: a style set here would outlive a resize across the breakpoint
        sidebar = self.query_one(Sidebar)
        sidebar.toggle_class("-shown" if self.screen.has_class("-narrow") else "-hidden")

    def action_focus_timeline(self) -> None:
        self.query_one(ToolTimeline).focus()

    def action_focus_prompt(self) -> None:
        self.query_one(PromptInput).focus()

    def action_newline(self) -> None:
        prompt = self.query_one(PromptInput)
        prompt.focus()
        prompt.insert("\n")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_sessions(self) -> None:
        from mcp_tui.store.session_listing import scan_sessions

        recorder = self.engine.recorder
        sessions, problems = scan_sessions()
        self.push_screen(SessionsScreen(sessions, recorder.session_id if recorder else None, problems, recorder.writer if recorder else None), self._open_session)

    async def _open_session(self, info) -> None:
        """Swap in an engine that resumes the chosen session: messages, stats, segments, servers,
        and the provider and model it was with (as --resume chooses them)."""
        from mcp_tui.llm.resolve import settings_for_session
        from mcp_tui.store.session_file import read_session

        if info is None:
            return
        if self.engine.recorder is not None and info.session_id == self.engine.recorder.session_id:
            self.notify("This session is already open.", markup=False)  # reopening would restart every server
            return
        if self.engine.busy:
            self.notify("Wait for the answer to finish (or press Esc) before opening a session.", severity="warning")
            return
        try:
            record = await asyncio.to_thread(read_session, info.path)  # only the chosen file is read whole
        except OSError as exc:
            self.notify(f"Could not read that session: {exc.strerror or exc}", severity="error", markup=False)
            return
        old = self.engine
        settings = await asyncio.to_thread(settings_for_session, old.settings, record.session_id, record.meta)
        await old.aclose()
        self._attach(ChatEngine(settings, old.server_configs, resume=record))
        await self.query_one(Transcript).remove_children()
        self.query_one(ToolTimeline).clear_calls()
        resolution = settings.resolution
        self.query_one(Sidebar).set_model(self.engine.context.model_label, resolution.steps if resolution else None)
        self.query_one(Sidebar).show_saving(None)  # the new file says for itself if it cannot be written
        self._not_saving = False
        await self._start_engine()
        self._show_title()
        await self.note(Text(safe_text(f"Opened session {record.session_id}: {len(record.messages)} messages, with {self.engine.context.model_label}.")))
        if resolution is not None and resolution.note:
            await self.query_one(Transcript).add(ErrorNote(resolution.note))
        for warning in record.warnings:
            await self.query_one(Transcript).add(ErrorNote(warning))

    def action_segments(self) -> None:
        self.push_screen(SegmentBrowser(self.engine.context.segments()))

    def action_copy_answer(self) -> None:
        history = self.engine.context.history.messages if self.engine else []
        # A resumed session's last answer counts too: it is on the screen.
        answer = self.last_answer or next((m.content for m in reversed(history) if m.role.value == "assistant" and m.content), "")
        if not answer:
            self.notify("There is no answer to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(answer)
        self.notify(f"Copied the last answer ({plural(len(answer), 'character')}).")

    def action_restart_failed(self) -> None:
        for status in self.engine.servers.statuses():
            if status.state.value in ("failed", "exited"):
                self.run_worker(self.engine.restart_server(status.name), group="servers")

    def _catch_hangup(self) -> None:
        """A closed terminal (SIGHUP) or a kill (SIGTERM) quits as Ctrl+Q does: the servers
        are stopped and the session is closed, not left running as orphans."""
        loop = asyncio.get_running_loop()

        def hangup() -> None:
            self.deadline.arm()  # before anything that could block: the terminal is gone
            self.run_worker(self.action_quit(), group="quit", exclusive=True)

        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, hangup)
            except (NotImplementedError, RuntimeError, ValueError):  # no signals here (not the main thread)
                pass

    async def action_quit(self) -> None:
        self.deadline.arm()
        if self.engine is not None:
            self.engine.cancel()
            await self.engine.servers.aclose(grace=QUIT_GRACE)  # all at once, briefly
            await self.engine.aclose()
        self.exit(0)

    async def _shutdown(self) -> None:
        # Textual's own (private in 8.2.8, where it was seen to hang): once it is through,
        # the deadline armed by quitting need not fire.
        try:
            await super()._shutdown()
        finally:
            self.deadline.finished()

    def _last_step(self) -> None:
        """Before a hard exit (see ShutdownDeadline), from its thread: keep what was saved,
        leave no server running."""
        if self.engine is not None:
            self.engine.servers.kill_all()
            if self.engine.recorder is not None:
                self.engine.recorder.close()

    async def show_history(self, messages, label: str | None = None, sessions: tuple[Path, ...] = ()) -> None:
        """Draw saved messages into the transcript (resume, /load): the last RECENT in full,
        the earlier ones when asked for (Home, or a click on the marker)."""
        transcript = self.query_one(Transcript)
        messages = [m for m in messages if m.role.value != "system"]
        earlier, recent = messages[:-RECENT_MESSAGES], messages[-RECENT_MESSAGES:]
        self._earlier, self._head_shown = list(earlier), False
        widgets = [EarlierMessages(len(earlier))] if earlier else []
        self._history_label = label or self.engine.context.model_label
        self._tool_results = tool_messages(messages)
        widgets += self._history_widgets(recent, light=False)
        if last_roll := self._roll_marks().get(None):  # rolled after the last message (/compact)
            widgets.append(roll_note(*last_roll))
        await transcript.mount_all(widgets)
        self.query_one(ToolTimeline).add_saved(saved_calls(messages, list(sessions)))

    @on(Transcript.EarlierWanted)
    async def show_earlier(self, message: Transcript.EarlierWanted) -> None:
        """Home draws the first page of what was left out, above the marker; a click on
        the marker draws all the rest in its place."""
        transcript = self.query_one(Transcript)
        marker = next(iter(transcript.query(EarlierMessages)), None)
        if marker is not None and message.head and not self._head_shown:
            head, self._earlier = self._earlier[:RECENT_MESSAGES], self._earlier[RECENT_MESSAGES:]
            self._head_shown = True
            await transcript.mount_all(self._history_widgets(head, light=True), before=marker)
        elif marker is not None and not message.head:
            await transcript.mount_all(self._history_widgets(self._earlier, light=True), before=marker)
            self._earlier = []
        if marker is not None and not self._earlier:
            await marker.remove()
        elif marker is not None:
            marker.show_count(len(self._earlier))
        if message.head:
            transcript.scroll_home(animate=False)

    def _history_widgets(self, messages, *, light: bool) -> list:
        label = self._history_label or self.engine.context.model_label  # a live session's pruned turns
        results = {**self._tool_results, **tool_messages(messages)}  # a page may lack its calls' answers
        widgets = history_widgets(messages, label=label, light=light, results=results, rolls=self._roll_marks(), resolve=self._resolve_tool)
        bind_messages(widgets, messages)
        return widgets

    def _roll_marks(self) -> dict:
        if self.engine is not None:
            return context_rolls(self.engine.context)
        return record_rolls(self._preview) if self._preview is not None else {}

    def _resolve_tool(self, name: str) -> tuple[str, str] | None:
        info = self.engine.servers.resolve(name) if self.engine is not None else None
        return (info.server, info.name) if info else None

    async def note(self, text: str | Text, title: str = "", *, reveal: bool = True) -> None:
        """A note in the chat; one the user asked for (`reveal`) is scrolled into view even
        when the transcript was scrolled up."""
        await self._note_widget(InfoNote(text, title), reveal)

    async def _note_widget(self, note: InfoNote, reveal: bool) -> None:
        transcript = self.query_one(Transcript)
        await transcript.add(note)
        if reveal:
            transcript.scroll_end(animate=False)  # also follows the bottom again


def run_app(starter: Callable[..., tuple[ChatEngine, list[str]]], threshold: int, log_path: Path, resume=None) -> NoReturn:
    """The TUI, drawn at once (with the resumed conversation); `starter` builds the engine
    in a thread meanwhile. Does not return: once the app is done (servers stopped, session
    closed), the process ends without the interpreter's teardown of the heavy libraries,
    which took longer than everything else in quitting."""
    app = McpTuiApp(starter=starter, threshold=threshold, log_path=log_path, preview=resume, quit_deadline=QUIT_DEADLINE)
    code = app.run() or 0
    flush_and_exit(code)
