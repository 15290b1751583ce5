"""The prompt: multi-line; Enter sends, Shift+Enter or Ctrl+J adds a line, Up/Down walk history,
Tab completes a slash command (widgets/completion.py)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from mcp_tui.ui.widgets.completion import CompletionList


class PromptInput(TextArea):
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
