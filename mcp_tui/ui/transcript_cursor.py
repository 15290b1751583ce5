"""A block cursor over the transcript (as in Crush and toad), and the search marks.

Up/Down (k/j) select a message, a tool chip or a code block of an answer; the selected
block is highlighted and scrolled into view. What needs the engine (retry, edit, fork,
a chip's detail) is asked of the app with `Act`; copying is done here.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets._markdown import MarkdownFence

from mcp_tui.ui.widgets.chat import SETTLED_AFTER, AssistantMessage, EarlierMessages, ErrorNote, InfoNote, SavedAnswer, ToolChip, Transcript, UserMessage
from mcp_tui.ui.widgets.thinking import ThinkingBlock

BLOCKS = (UserMessage, AssistantMessage, SavedAnswer, ToolChip, ThinkingBlock, ErrorNote, InfoNote)
CURSOR, HIT, CURRENT = "-cursor", "-search-hit", "-search-current"


def bind_messages(widgets: Iterable[Widget], messages: Iterable) -> None:
    """Tell each drawn block which saved message it shows (`source_message`), matching in
    order: retry, edit and fork cut the history there."""
    messages = list(messages)
    users = iter([m for m in messages if m.role.value == "user"])
    answers = iter([m for m in messages if m.role.value == "assistant" and m.content])
    calls = {call.id: m for m in messages for call in m.tool_calls}
    for widget in widgets:
        if isinstance(widget, UserMessage):
            widget.source_message = next(users, None)
        elif isinstance(widget, AssistantMessage) and widget.text or isinstance(widget, SavedAnswer):
            widget.source_message = next(answers, None)
        elif isinstance(widget, ToolChip):
            widget.source_message = calls.get(widget.call_id)


def block_text(block: Widget) -> str:
    """What `c` copies and search looks in: the code alone for a code block."""
    if isinstance(block, MarkdownFence):
        return block.code
    if isinstance(block, (AssistantMessage, ThinkingBlock)):
        return block.text
    source = getattr(block, "source_message", None)
    if source is not None and not isinstance(block, ToolChip):
        return source.content or ""
    if isinstance(block, ToolChip):
        return f"{block.label} {block.state} {block.detail}".strip()
    return str(block.render())


class CursorTranscript(Transcript):
    """The transcript with a block cursor; focused, it shows its keys in the footer."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous", key_display="↑/k"),
        Binding("down,j", "move(1)", "Next", key_display="↓/j"),
        Binding("c", "copy_block", "Copy"),
        Binding("enter", "open_block", "Open / back"),
        Binding("r", "act('retry')", "Retry"),
        Binding("e", "act('edit')", "Edit"),
        Binding("f", "act('fork')", "Fork"),
        Binding("escape", "leave", "Prompt"),
    ]

    class Act(Message):
        """The user asked for `verb` (retry, edit, fork, open, leave) on `block`."""

        def __init__(self, verb: str, block: Widget | None) -> None:
            super().__init__()
            self.verb = verb
            self.block = block

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cursor: Widget | None = None

    def end_turn(self, messages: list) -> None:
        bind_messages(self._current or [], messages)
        super().end_turn(messages)

    async def settle(self) -> None:
        await super().settle()
        if len(self._turns) > SETTLED_AFTER:  # its answers were redrawn light: bind the new widgets
            bind_messages(*self._turns[-SETTLED_AFTER - 1])

    def blocks(self) -> list[Widget]:
        """What the cursor stops on, top to bottom: a live answer's code blocks follow it."""
        found = []
        for child in self.children:
            if not isinstance(child, BLOCKS) or not child.display or child.has_class("empty"):
                continue
            found.append(child)
            if isinstance(child, AssistantMessage):
                found += list(child.query(MarkdownFence))
        return found

    def select(self, block: Widget | None) -> None:
        if self.cursor is not None:
            self.cursor.remove_class(CURSOR)
        self.cursor = block
        if block is not None:
            block.add_class(CURSOR)
            self.scroll_to_widget(block, animate=False, top=block.outer_size.height > self.scrollable_content_region.height)

    def enter(self) -> None:
        """Focus with the cursor on the last block."""
        blocks = self.blocks()
        self.select(blocks[-1] if blocks else None)
        self.focus()

    def on_focus(self) -> None:
        if self.cursor is None or not self.cursor.is_attached:  # reached by Tab: show where it is
            blocks = self.blocks()
            self.select(blocks[-1] if blocks else None)

    def action_move(self, step: int) -> None:
        blocks = self.blocks()
        if not blocks:
            return
        if self.cursor not in blocks:
            self.select(blocks[-1])
            return
        index = max(0, min(len(blocks) - 1, blocks.index(self.cursor) + step))
        if step < 0 and self._crosses_marker(blocks[index], self.cursor):
            self.post_message(self.EarlierWanted())  # bring in what was left out; the next Up goes there
            return
        self.select(blocks[index])

    def _crosses_marker(self, above: Widget, below: Widget) -> bool:
        """Whether the marker of messages left out lies between these blocks (or above `below`
        when it is the first)."""
        marker = next(iter(self.query(EarlierMessages)), None)
        if marker is None:
            return False
        order = list(self.children)
        start = order.index(self._child_holding(above)) if above is not below else -1
        return start < order.index(marker) < order.index(self._child_holding(below))

    def _child_holding(self, block: Widget) -> Widget:
        """The transcript's child that is `block` or holds it (a code block's answer)."""
        return block if block.parent is self else next(a for a in block.ancestors if a.parent is self)

    def action_copy_block(self) -> None:
        if self.cursor is None:
            return
        text = block_text(self.cursor)
        self.app.copy_to_clipboard(text)
        what = "the code" if isinstance(self.cursor, MarkdownFence) else "the block"
        self.notify(f"Copied {what} ({len(text)} characters).")

    def action_open_block(self) -> None:
        self.post_message(self.Act("open" if isinstance(self.cursor, ToolChip) else "leave", self.cursor))

    def action_act(self, verb: str) -> None:
        self.post_message(self.Act(verb, self.cursor))

    def action_leave(self) -> None:
        self.post_message(self.Act("leave", self.cursor))

    def leave(self) -> None:
        self.select(None)

    def remove_children(self, selector="*"):
        if selector == "*":
            self.cursor = None
        return super().remove_children(selector)

    # -- search marks -------------------------------------------------------------------
    def find(self, query: str) -> list[Widget]:
        """Blocks holding `query` (any case), once per occurrence, top to bottom."""
        query = query.lower()
        hits = []
        for block in self.blocks():
            if isinstance(block, MarkdownFence):
                continue  # its answer holds the same text
            hits += [block] * block_text(block).lower().count(query) if query else []
        return hits

    def mark(self, hits: list[Widget], current: Widget | None) -> None:
        for widget in self.query(f".{HIT}, .{CURRENT}"):
            widget.remove_class(HIT, CURRENT)
        for widget in hits:
            widget.add_class(HIT)
        if current is not None:
            current.add_class(CURRENT)
            self.scroll_to_widget(current, animate=False, top=current.outer_size.height > self.scrollable_content_region.height)
