"""F4 (or /model alone): the models chuk-llm knows for the current provider, then the other
providers; a provider without its key is marked. Type to filter; Enter switches."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from mcp_tui.llm.catalog import ProviderInfo
from mcp_tui.text import safe_text

Choice = tuple[str, str]  # (provider, model)


def choices(providers: list[ProviderInfo], current: Choice) -> list[tuple[Choice, ProviderInfo]]:
    """The current provider's models first (the current one at the top), then the other
    providers', those with a key (or needing none) before those without."""
    rows: list[tuple[Choice, ProviderInfo]] = []
    for info in sorted(providers, key=lambda p: (p.name != current[0], not p.has_key)):
        models = info.models or [""]  # "" : the provider's own default (it names none)
        if info.name == current[0] and current[1] not in models:
            models = [current[1], *models]
        for model in models:
            rows.append(((info.name, model), info))
    rows.sort(key=lambda row: row[0] != current)
    return rows


class ModelPicker(ModalScreen[Choice | None]):
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, providers: list[ProviderInfo], current: Choice) -> None:
        super().__init__()
        self.current = current
        self.rows = choices(providers, current)
        self.any_model = next((p.any_model for p in providers if p.name == current[0]), False)
        self.shown: list[Choice | None] = []  # per option; None for a heading

    def compose(self) -> ComposeResult:
        with Vertical(id="model-picker"):
            yield Input(placeholder="filter, or type a model name for the current provider…", id="model-filter")
            yield OptionList(id="model-list")

    def on_mount(self) -> None:
        panel = self.query_one("#model-picker")
        panel.border_title = "switch model"
        panel.border_subtitle = "type to filter · ↑↓ move · enter switch · esc close"
        self.fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def filter(self, event: Input.Changed) -> None:
        self.fill(event.value.strip())

    @property
    def choices(self) -> list[Choice]:
        """The rows that can be chosen, in order (without the provider headings)."""
        return [c for c in self.shown if c is not None]

    def fill(self, query: str) -> None:
        """Rows under a heading per provider (with its key's state); headings cannot be chosen."""
        words = query.lower().split()
        options: list[Option] = []
        self.shown: list[Choice | None] = []
        heading = None
        for choice, info in self.rows:
            if not all(w in f"{choice[0]} {choice[1]}".lower() for w in words):
                continue
            if choice[0] != heading:
                heading = choice[0]
                options.append(Option(self._heading(info), disabled=True))
                self.shown.append(None)
            options.append(Option(self._row(choice, info)))
            self.shown.append(choice)
        typed = query and " " not in query and (self.current[0], query) not in self.shown
        if typed and self.any_model:  # a name chuk-llm does not list may still be real: last, or alone
            options.append(Option(Text.assemble(("  " + safe_text(f"{self.current[0]}/{query}"), "bold"), ("  use this name", "italic"))))
            self.shown.append((self.current[0], query))
        listing = self.query_one(OptionList)
        listing.clear_options().add_options(options)
        listing.highlighted = next((i for i, c in enumerate(self.shown) if c is not None), None)

    def _heading(self, info: ProviderInfo) -> Text:
        heading = Text(safe_text(info.name), style="bold" if info.has_key else "bold dim")
        if not info.has_key:
            heading.append(f"  needs {info.key_env}", style="yellow")
        return heading

    def _row(self, choice: Choice, info: ProviderInfo) -> Text:
        provider, model = choice
        row = Text("  ● " if choice == self.current else "    ", style="bold")
        row.append(safe_text(model or "(its default)"), style="bold" if choice == self.current else ("" if info.has_key else "dim"))
        if model and model == info.default_model:
            row.append("  default", style="dim italic")
        return row

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        listing.action_cursor_down() if step > 0 else listing.action_cursor_up()  # skips the headings

    @on(Input.Submitted)
    def choose_highlighted(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and self.shown[index] is not None:
            self.dismiss(self.shown[index])

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])
