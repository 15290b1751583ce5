"""The chat pane: user and assistant messages, tool chips and errors, in a scrolling transcript.

Model and tool text is shown literally: it goes through `safe_text` (no escape
sequences) and into Markdown or `Text` objects, never into Rich markup.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from datetime import datetime

from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, Static

from mcp_tui.text import safe_text
from mcp_tui.words import plural

clock = time.time  # when a live message is stamped (snapshot tests pin it)
STOPPED = "⏹ stopped"

FRAME = 1 / 30  # deltas are batched per frame: one Markdown append per frame, not per chunk
# Each append re-lays out the whole answer, so a long answer is appended less often:
# the interval grows with its length (about 0.1 s at 20 kB, at most 0.25 s).
SLOWEST_FRAME = 0.25
CHARS_PER_SECOND_OF_DELAY = 200_000
# Turns of a live session kept as full widgets: older ones leave the DOM (Home or the marker
# brings them back, drawn light), so turn 400 costs what turn 1 did.
LIVE_TURNS = 30
# Answers this many turns back are redrawn as one light widget each: a Markdown widget is a
# tree of block widgets, and every layout pass while an answer streams walks them all.
SETTLED_AFTER = 2


class Transcript(VerticalScroll):
    """Follows the bottom while an answer streams, unless the user scrolled up. Home goes
    to the very first message, bringing in earlier ones that were left out."""

    BINDINGS = [Binding("home", "top", "First message", show=False)]

    class EarlierWanted(Message):
        """The user wants messages left out of a long saved session: the first ones
        (`head`, for Home) or all of them."""

        def __init__(self, head: bool = False) -> None:
            super().__init__()
            self.head = head

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._turns: deque[tuple[list, list]] = deque()  # (widgets, saved messages) per live turn, oldest first
        self._current: list | None = None

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, widget) -> None:
        await self.mount(widget)
        if self._current is not None:
            self._current.append(widget)

    def begin_turn(self) -> None:
        self._current = []

    def end_turn(self, messages: list) -> None:
        """Closes the turn; `messages` are what it saved, to redraw it once it is pruned."""
        if self._current is not None:
            self._turns.append((self._current, list(messages)))
        self._current = None

    async def prune(self) -> list:
        """Removes the widgets of the turns past LIVE_TURNS; returns their saved messages."""
        widgets, messages = [], []
        while len(self._turns) > LIVE_TURNS:
            old_widgets, old_messages = self._turns.popleft()
            widgets += old_widgets
            messages += old_messages
        if widgets:
            await self.remove_children([w for w in widgets if w.parent is self])
        return messages

    async def settle(self) -> None:
        """The answers of the turn SETTLED_AFTER back become SavedAnswers (empty ones go)."""
        if len(self._turns) <= SETTLED_AFTER:
            return
        widgets, _ = self._turns[-SETTLED_AFTER - 1]
        for i, widget in enumerate(widgets):
            if not isinstance(widget, AssistantMessage) or widget.parent is not self:
                continue
            if widget.text:
                light = SavedAnswer(widget.label, widget.text, interrupted=widget.has_class("interrupted"), at=widget.at)
                await self.mount(light, before=widget)
                widgets[i] = light
            await widget.remove()

    def oldest_live(self):
        """The first widget of the oldest turn still drawn in full, if any."""
        return next((w for widgets, _ in self._turns for w in widgets if w.parent is self), None)

    def remove_children(self, selector="*"):
        if selector == "*":  # cleared (/clear, /load, another session): nothing is left to prune
            self._turns.clear()
        return super().remove_children(selector)

    def action_top(self) -> None:
        self.post_message(self.EarlierWanted(head=True))

    def scroll_from_keys(self, where: str) -> None:
        """PageUp/PageDown, first and last message, asked for from the prompt."""
        if where == "top":
            self.action_top()
        elif where == "bottom":
            self.scroll_end(animate=False)  # and follow new text again
        elif where == "page_up":
            self.scroll_page_up(animate=False)
        else:
            self.scroll_page_down(animate=False)


class EarlierMessages(Static):
    """Stands for the messages of a long saved session not drawn yet."""

    def __init__(self, count: int) -> None:
        super().__init__(classes="message info earlier")
        self.show_count(count)

    def show_count(self, count: int) -> None:
        self.update(Text(f"⋮ {plural(count, 'message')} not shown — click to show them (Home goes to the first message)", style="dim"))

    def on_click(self) -> None:
        self.post_message(Transcript.EarlierWanted())


def stamp(who: str, at: float) -> Text:
    """A message's quiet label: "you · 14:02", with the day when it is not today's. A Text,
    so a model name from a session file is never read as markup."""
    when = datetime.fromtimestamp(at)
    today = datetime.fromtimestamp(clock()).date()
    clock_time = when.strftime("%H:%M") if when.date() == today else when.strftime("%d %b %Y %H:%M")
    return Text(f"{safe_text(who)} · {clock_time}")


def mark_stopped(widget) -> None:
    """The answer stopped early: its bottom edge says so (drawn by `.interrupted` in styles.tcss)."""
    widget.add_class("interrupted")
    widget.border_subtitle = STOPPED


class SavedAnswer(Static):
    """An answer of a saved session drawn as one light widget (Rich's Markdown): thousands of
    them mount in about a second, where full Markdown widgets take ten."""

    def __init__(self, label: str, text: str, interrupted: bool = False, at: float | None = None) -> None:
        super().__init__(RichMarkdown(safe_text(text), code_theme="ansi_dark"), classes="message assistant saved")
        self.label, self.at = label, clock() if at is None else at
        self.border_title = stamp(label, self.at)
        if interrupted:
            mark_stopped(self)


class UserMessage(Static):
    def __init__(self, text: str, at: float | None = None) -> None:
        super().__init__(Text(safe_text(text)), classes="message user")
        self.at = clock() if at is None else at
        self.border_title = stamp("you", self.at)


class AssistantMessage(Markdown):
    """An answer that streams in as Markdown, appended once per frame.

    Not through Textual's MarkdownStream: stopping one whose task has not started yet
    cancels it before it runs, so the last text is dropped (a short answer stayed blank)
    and CancelledError reaches the caller. Our own appends, one at a time, are awaited."""

    def __init__(self, label: str = "assistant", text: str = "", interrupted: bool = False, at: float | None = None) -> None:
        """A live answer, or (with `text`) a finished one drawn at once."""
        text = safe_text(text)
        super().__init__(text, classes="message assistant")
        self.label, self.at = label, clock() if at is None else at
        self.border_title = stamp(label, self.at)
        if interrupted:
            mark_stopped(self)
        self._parts: list[str] = [text] if text else []  # joined on demand: `+=` would copy the whole answer per chunk
        self._pending: list[str] = []
        self._length = 0
        self._drawing = asyncio.Lock()  # Markdown.append reads its parse position when called: one at a time
        self._flush_timer = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def append_text(self, delta: str) -> None:
        delta = safe_text(delta)
        if not delta:
            return
        self._parts.append(delta)
        self._pending.append(delta)
        self._length += len(delta)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(self._interval(), self._flush)

    def _interval(self) -> float:
        return min(SLOWEST_FRAME, max(FRAME, self._length / CHARS_PER_SECOND_OF_DELAY))

    async def _flush(self) -> None:
        self._flush_timer = None
        async with self._drawing:
            if not self._pending:  # taken inside the lock: deltas that came during an append go in one batch
                return
            chunk = "".join(self._pending)
            self._pending.clear()
            await self.append(chunk)

    async def finish(self, *, interrupted: bool = False) -> None:
        """Draws what is left; when it returns, the whole answer is on screen."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        await self._flush()  # waits for a flush the frame timer started, then draws the rest
        if interrupted:
            mark_stopped(self)
        if not self._parts:
            self.add_class("empty")


class ToolChip(Static):
    """A compact line for one tool call inside the answer: server.tool, status, duration."""

    ICONS = {"requested": "·", "waiting": "?", "running": "⟳", "done": "✓", "error": "✗", "failed": "✗", "timeout": "⏱", "denied": "⊘", "refused": "⊘", "cancelled": "⊘"}
    # What a user reads for a state (refused and stopped calls need no more words).
    WORDS = {"denied": "refused by you", "refused": "refused by policy", "cancelled": "stopped", "timeout": "timed out", "error": "error result"}

    def __init__(self, call_id: str, label: str) -> None:
        super().__init__(classes="tool-chip")
        self.call_id = call_id
        self.label = label
        self.state = "requested"
        self.detail = ""
        self.started = time.monotonic()
        self._refresh_label()

    def set_state(self, state: str, detail: str = "") -> None:
        self.remove_class(f"-{self.state}")
        self.state, self.detail = state, detail
        self.add_class(f"-{state}")
        self._refresh_label()

    def _refresh_label(self) -> None:
        line = Text()
        line.append(f"⚙ {self.label}  ", style="bold")
        line.append(f"{self.ICONS.get(self.state, '')} {self.WORDS.get(self.state, self.state)}")
        if self.detail:
            line.append(f"  {self.detail}")
        self.update(line)


class ErrorNote(Static):
    """An error a user can act on: what happened, and what to do next."""

    def __init__(self, error: str, hint: str = "") -> None:
        text = Text()
        text.append("✗ ", style="bold")
        text.append(safe_text(error))
        if hint:
            text.append("\n→ ")
            text.append(safe_text(hint))
        super().__init__(text, classes="message error")


class InfoNote(Static):
    """Output of a slash command or a notice, shown in the transcript."""

    def __init__(self, text, title: str = "") -> None:
        # Plain strings become Text so nothing in them is read as markup.
        super().__init__(Text(text) if isinstance(text, str) else text, classes="message info")
        if title:
            self.border_title = title
