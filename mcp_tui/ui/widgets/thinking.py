"""The model's thinking: a collapsed block above its answer, filled as it streams.

Ctrl+R (or Enter on its title) opens and closes the latest one; the text is the model's own,
cleaned like every untrusted text, and shown literally (never as markup)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Collapsible, Static

from mcp_tui.text import safe_text


class ThinkingBlock(Collapsible):
    def __init__(self, text: str = "") -> None:
        self._parts: list[str] = [safe_text(text)] if text else []
        self._body = Static(Text(self.text), classes="thinking-text")
        super().__init__(self._body, title=self._heading(), collapsed=True, classes="message thinking")

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def _heading(self) -> str:
        words = len(self.text.split())
        return f"thinking · {words:,} words (ctrl+r)"

    def append_text(self, text: str) -> None:
        self._parts.append(text)
        self.title = self._heading()
        if not self.collapsed:  # closed, nothing to draw but the title
            self._body.update(Text(self.text))

    def toggle(self) -> None:
        self.collapsed = not self.collapsed
        if not self.collapsed:
            self._body.update(Text(self.text))
