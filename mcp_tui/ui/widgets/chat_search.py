"""The search bar over the chat (Ctrl+F): a query, the match count, keys to step through."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class ChatSearch(Horizontal):
    BINDINGS = [
        Binding("enter,f3", "step(1)", "Next", key_display="↵/F3"),
        Binding("shift+enter,shift+f3", "step(-1)", "Previous", key_display="⇧↵/⇧F3"),
        Binding("escape", "close", "Close search"),
    ]

    class Changed(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Step(Message):
        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    class Closed(Message):
        pass

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search the chat", id="chat-search-query", select_on_focus=True)
        yield Static("", id="chat-search-count")

    def open(self) -> None:
        self.add_class("-open")
        self.query_one(Input).focus()

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def value(self) -> str:
        return self.query_one(Input).value

    def show_count(self, current: int, total: int) -> None:
        """`current` counts from 1; 0 when nothing is selected."""
        if not self.value:
            text = ""
        elif not total:
            text = "no matches"
        else:
            text = f"{current} of {total}"
        self.query_one("#chat-search-count", Static).update(text)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))

    def action_step(self, step: int) -> None:
        self.post_message(self.Step(step))

    def action_close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())
