"""The prompt: multi-line; Enter sends, Shift+Enter or Ctrl+J adds a line, Up/Down walk history,
Tab completes a slash command (widgets/completion.py).

Focus stays here almost always, so the chat's own keys work from here too: Ctrl+Y copies the
last answer (TextArea's redo moves to Ctrl+Shift+Z), PageUp/PageDown and Ctrl+Home/Ctrl+End
scroll the transcript, and so do Home/End while the prompt is empty (with text, they move
the cursor as in any editor)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from mcp_tui.ui.widgets.completion import CompletionList
from mcp_tui.ui.widgets.chat import Transcript


class PromptInput(TextArea):
    BINDINGS = [
        Binding("ctrl+y", "app.copy_answer", "Copy answer"),  # TextArea's redo key: shown in the footer here
        Binding("ctrl+shift+z", "redo", "Redo", show=False),
        Binding("pageup", "scroll_chat('page_up')", "Scroll chat up", show=False),
        Binding("pagedown", "scroll_chat('page_down')", "Scroll chat down", show=False),
        Binding("ctrl+home", "scroll_chat('top')", "First message", show=False),
        Binding("ctrl+end", "scroll_chat('bottom')", "Last message", show=False),
    ]

    @dataclass
    class Submitted(Message):
        text: str

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)
        self.prompt_history: list[str] = []
        self._history_index: int | None = None  # None: editing a new prompt
        self._draft = ""
        self.completion: CompletionList | None = None  # the slash-command list; it sees keys first

    async def _on_key(self, event: events.Key) -> None:
        if self.completion is not None and self.completion.handle_key(event, self):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
            return
        if event.key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key in ("home", "end") and not self.text:
            event.stop()
            event.prevent_default()
            self.action_scroll_chat("top" if event.key == "home" else "bottom")
            return
        if event.key == "up" and self.cursor_location[0] == 0 and self._walk(-1):
            event.stop()
            event.prevent_default()
            return
        if event.key == "down" and self.cursor_location[0] == self.document.line_count - 1 and self._walk(1):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def on_text_area_changed(self, _: TextArea.Changed) -> None:
        if self.completion is not None:
            self.completion.follow(self.text)

    def action_scroll_chat(self, where: str) -> None:
        self.screen.query_one(Transcript).scroll_from_keys(where)

    def _submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.prompt_history or self.prompt_history[-1] != text:
            self.prompt_history.append(text)
        self._history_index = None
        self.clear()
        self.post_message(self.Submitted(text))

    def _walk(self, step: int) -> bool:
        """Show an earlier (-1) or later (+1) prompt; False when there is none."""
        if not self.prompt_history:
            return False
        if self._history_index is None:
            if step > 0:
                return False
            self._draft = self.text
            index = len(self.prompt_history) - 1
        else:
            index = self._history_index + step
        if index < 0:
            return True  # stay on the oldest
        if index >= len(self.prompt_history):
            self._history_index = None
            self.load_text(self._draft)
        else:
            self._history_index = index
            self.load_text(self.prompt_history[index])
        self.move_cursor(self.document.end)
        return True
