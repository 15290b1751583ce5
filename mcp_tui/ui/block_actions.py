"""What the block cursor and the chat search ask of the app (mixed into it): retry, edit
and resend, fork, a tool chip's detail, and search through drawn and left-out messages.

Retry, edit and /clear cut the history with `ChatEngine.rewind`, which the session file
records, so a resume does not bring the dropped messages back.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets._markdown import MarkdownFence

from mcp_tui.engine.mcp_input import split_attachments
from mcp_tui.models.messages import MessageRole
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.transcript_cursor import CursorTranscript
from mcp_tui.ui.widgets.chat import AssistantMessage, ToolChip, Transcript
from mcp_tui.ui.widgets.chat_search import ChatSearch
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.ui.widgets.sidebar import Sidebar
from mcp_tui.ui.widgets.timeline import ToolTimeline, saved_calls

EDITING = "editing — Enter replaces this prompt and what followed it · Esc cancels"


class BlockActions:
    _edit_keep: int | None = None  # messages kept when the prompt being edited is sent
    _hits: list[Widget] = []
    _hit_at = -1

    def action_chat_cursor(self) -> None:
        self.query_one(CursorTranscript).enter()

    # -- the cursor's verbs --------------------------------------------------------------
    async def on_cursor_transcript_act(self, message: CursorTranscript.Act) -> None:
        transcript = self.query_one(CursorTranscript)
        if message.verb == "leave":
            transcript.leave()
            self.query_one(PromptInput).focus()
            return
        if self.engine is None:  # reached by Tab while a resumed session is drawn before the engine
            self.notify("Still starting — one moment.", severity="warning")
            return
        if message.verb == "open":
            self._open_chip(message.block)
            return
        index = self._message_index(message.block)
        if index is None:
            self.notify("This block is not part of the conversation: select a message, an answer or a tool call.", severity="warning")
            return
        if self.engine.busy:
            self.notify("An answer is still running: wait for it or press Esc to stop it.", severity="warning")
            return
        history = self.engine.context.history.messages
        system = sum(m.role is MessageRole.SYSTEM for m in history)
        asked = next(i for i in range(index, -1, -1) if history[i].role is MessageRole.USER or i < system)
        transcript.leave()  # what follows redraws the chat: the prompt is where to go on
        self.query_one(PromptInput).focus()
        self.cancel_edit()  # a pending edit counted messages that may go now
        if message.verb == "fork":
            await self._fork(self._after(index) - system)
        elif history[asked].role is not MessageRole.USER:
            self.notify("There is no prompt before this block.", severity="warning")
        elif message.verb == "retry":
            text = history[asked].content or ""
            self.engine.rewind(asked - system)  # the prompt goes too: the turn adds it again
            await self.redraw_conversation()
            self.run_turn(text)
        elif message.verb == "edit":
            self._edit_keep = asked - system
            prompt = self.query_one(PromptInput)
            prompt.load_text(split_attachments(history[asked].content or "")[0])  # its @resources are read again on send
            prompt.border_title = EDITING

    def _message_index(self, block: Widget | None) -> int | None:
        """The history index of the message `block` shows, or of the nearest one above it."""
        if isinstance(block, MarkdownFence):
            block = next((a for a in block.ancestors if isinstance(a, AssistantMessage)), None)
        transcript = self.query_one(CursorTranscript)
        blocks = transcript.blocks()
        if block not in blocks:
            return None
        where = {id(m): i for i, m in enumerate(self.engine.context.history.messages)}
        for candidate in reversed(blocks[: blocks.index(block) + 1]):
            source = getattr(candidate, "source_message", None)
            if source is not None and id(source) in where:
                return where[id(source)]
        return None

    def _after(self, index: int) -> int:
        """The end of the message at `index` with the results of its tool calls."""
        history = self.engine.context.history.messages
        end = index + 1
        while end < len(history) and history[end].role is MessageRole.TOOL:
            end += 1
        return end

    def _open_chip(self, chip: ToolChip) -> None:
        record = self.query_one(ToolTimeline).records.get(chip.call_id)
        source = getattr(chip, "source_message", None)
        if record is None and source is not None:  # its row scrolled out of the timeline
            record = next((r for r in saved_calls([*self.engine.context.history.messages], self._session_paths()) if r.call_id == chip.call_id), None)
        if record is None:
            self.notify("The details of this call are not kept any more.", severity="warning")
            return
        self.push_screen(ToolDetailScreen(record))

    async def _fork(self, keep: int) -> None:
        old = self.engine.recorder
        old_name = old.writer.path.name if old else ""
        try:
            recorder = await self.engine.fork(keep)
        except RuntimeError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        await self.redraw_conversation()
        await self.note(f"Forked: this conversation goes on in {recorder.writer.path.name} with its first {keep} messages; {old_name} stays as it was.")

    # -- edit and resend -----------------------------------------------------------------
    async def apply_pending_edit(self) -> None:
        """Before an edited prompt is sent: drop it and what followed (called by `send`)."""
        keep = self.cancel_edit()
        history = self.engine.context.history.messages
        if keep is None or keep > sum(m.role is not MessageRole.SYSTEM for m in history):
            return  # nothing edited, or the conversation was cleared meanwhile
        self.engine.rewind(keep)
        await self.redraw_conversation()

    def cancel_edit(self) -> int | None:
        """Forget a pending edit (Esc, or it is being sent); returns what it would have kept."""
        keep, self._edit_keep = self._edit_keep, None
        self.query_one(PromptInput).border_title = None
        return keep

    # -- redrawing after a cut -----------------------------------------------------------
    def _session_paths(self) -> list:
        recorder = self.engine.recorder
        return [recorder.writer.path] if recorder else []

    async def redraw_conversation(self) -> None:
        """Transcript, timeline and gauge from the history as it now is."""
        await self.query_one(Transcript).remove_children()
        self.query_one(ToolTimeline).clear_calls()
        await self.show_history(self.engine.context.history.messages, sessions=tuple(self._session_paths()))
        context = self.engine.context
        self.query_one(Sidebar).show_usage(context.token_stats, context.token_threshold)

    # -- search --------------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one(ChatSearch).open()

    def action_search_step(self, step: int) -> None:
        if self.query_one(ChatSearch).is_open:
            self._step(step)

    async def on_chat_search_changed(self, message: ChatSearch.Changed) -> None:
        await self._search(message.query)

    def on_chat_search_step(self, message: ChatSearch.Step) -> None:
        self._step(message.step)

    def on_chat_search_closed(self, message: ChatSearch.Closed) -> None:
        self._hits, self._hit_at = [], -1
        self.query_one(CursorTranscript).mark([], None)
        self.query_one(PromptInput).focus()

    async def _search(self, query: str) -> None:
        transcript = self.query_one(CursorTranscript)
        wanted = query.lower()
        if wanted and any(wanted in block_text_of(m).lower() for m in self._earlier):
            await self.show_earlier(Transcript.EarlierWanted())  # bring in what was left out
        self._hits = transcript.find(query)
        self._hit_at = len(self._hits) - 1  # the newest match first, as the chat reads upwards
        self._show_hit()

    def _step(self, step: int) -> None:
        if any(not hit.is_attached for hit in self._hits):  # the chat was redrawn since
            self._hits = self.query_one(CursorTranscript).find(self.query_one(ChatSearch).value)
            self._hit_at = min(self._hit_at, len(self._hits) - 1)
        if not self._hits:
            self._show_hit()
            return
        self._hit_at = (self._hit_at + step) % len(self._hits)
        self._show_hit()

    def _show_hit(self) -> None:
        current = self._hits[self._hit_at] if self._hits else None
        self.query_one(CursorTranscript).mark(self._hits, current)
        self.query_one(ChatSearch).show_count(self._hit_at + 1 if self._hits else 0, len(self._hits))


def block_text_of(message) -> str:
    """A saved message's searchable text."""
    return (message.content or "") + "".join(f" {c.name}" for c in message.tool_calls)
