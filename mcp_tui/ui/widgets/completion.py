"""The list above the prompt while a slash command or an `@` resource is typed: Tab completes
(again: the next one), Up/Down move, Enter takes a row moved to, Esc closes. The prompt hands
it its keys first. Values only a server knows (completion/complete) join the list when they come."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import OptionList, TextArea
from textual.widgets.option_list import Option

from mcp_tui.text import safe_text
from mcp_tui.ui.completions import Candidate, Sources, complete
from mcp_tui.ui.mcp_completions import AT_WORD, server_values, value_request

LABEL_WIDTH = 28  # the help column starts here at the latest
EDITING = ("backspace", "delete", "ctrl+h", "ctrl+w", "ctrl+u")
GOES_ON = (" ", "/", "=")  # a chosen row ending so asks for what comes next


class CompletionList(OptionList, can_focus=False):
    def __init__(self, sources: Sources, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources = sources
        self.candidates: list[Candidate] = []
        self._typing = False  # the last key typed or deleted text (else a change is not ours to follow)
        self._applied: str | None = None  # the text Tab (or Enter) put in the prompt
        self._moved = False  # Up/Down chose a row: Enter takes it
        self._prompt: TextArea | None = None
        self._followed: str | None = None  # the text the rows are for

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def handle_key(self, event: events.Key, prompt: TextArea) -> bool:
        """Act on a key of the prompt; True when it was the list's."""
        self._prompt = prompt
        self._typing = event.is_printable or event.key in EDITING
        if event.key == "tab" and (self.is_open or prompt.text.startswith("/") or AT_WORD.search(prompt.text)):
            if not self.is_open or prompt.text not in (self._followed, self._applied):
                # closed with Esc (Tab opens it again), or keys typed faster than the list followed
                self.follow(prompt.text, force=True)
            if self.candidates:
                self._take(prompt, cycle=True)
            return bool(self.candidates)  # nothing to complete: Tab moves the focus as usual
        if not self.is_open:
            return False
        if event.key in ("up", "down"):
            self._move(-1 if event.key == "up" else 1)
            self._moved = True
            return True
        if event.key == "escape":
            self.close()
            return True
        if event.key == "enter" and self._moved:
            self._take(prompt, cycle=False)
            return True
        return False

    def offer(self, prompt: TextArea, text: str) -> None:
        """Put `text` in the prompt (the palette did) and show what may follow it."""
        self._prompt, self._typing = prompt, True  # the change it makes asks for the list
        prompt.focus()
        prompt.load_text(text)
        prompt.move_cursor(prompt.document.end)

    def follow(self, text: str, force: bool = False) -> None:
        """The prompt's text changed: offer what fits it, or close."""
        if text == self._applied and not text.endswith(GOES_ON):
            return  # Tab put it there: the same rows stay, for the next Tab
        if not (self._typing or force or text == self._applied):
            self.close()  # a history walk or a cleared prompt is no request for a list
            return
        self._applied, self._moved = None, False
        self._followed = text
        self._show(complete(text, self.sources))
        if (request := value_request(text, self.sources)) is not None:
            self.run_worker(self._ask_server(text, request), exclusive=True, group="completion")

    async def _ask_server(self, text: str, request) -> None:
        found = await server_values(request, self.sources)
        if found and text == self._followed:  # nothing typed since
            self._show(self.candidates + [c for c in found if c not in self.candidates])

    def _show(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        width = min(max((len(c.label) for c in self.candidates), default=0), LABEL_WIDTH)
        self.clear_options().add_options([Option(self._row(c, width)) for c in self.candidates])
        self.highlighted = 0 if self.candidates else None
        self.set_class(bool(self.candidates), "-open")

    def close(self) -> None:
        self.candidates, self._applied, self._moved, self._followed = [], None, False, None
        self.clear_options()
        self.remove_class("-open")

    def _row(self, candidate: Candidate, width: int) -> Text:
        row = Text(safe_text(candidate.label).ljust(width), style="bold", no_wrap=True, overflow="ellipsis")
        if candidate.help:
            row.append(f"  {safe_text(candidate.help)}", style="dim")
        return row

    def _move(self, step: int) -> None:
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + step) % self.option_count

    def _take(self, prompt: TextArea, cycle: bool) -> None:
        chosen = self.candidates[self.highlighted or 0]
        if cycle and prompt.text == chosen.text and len(self.candidates) > 1:
            self._move(1)  # already there: Tab again takes the next one
            chosen = self.candidates[self.highlighted or 0]
        self._applied = chosen.text
        prompt.load_text(chosen.text)
        prompt.move_cursor(prompt.document.end)
        self._moved = False

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click on a row takes it."""
        event.stop()
        if self._prompt is not None:  # the list opens only from the prompt's keys: it is known
            self.highlighted = event.option_index
            self._take(self._prompt, cycle=False)
            self._prompt.focus()
