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
MODEL_WIDTH = 30


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
        self.shown: list[Choice] = []

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

    def fill(self, query: str) -> None:
        words = query.lower().split()
        options, self.shown = [], []
        for choice, info in self.rows:
            if all(w in f"{choice[0]} {choice[1]}".lower() for w in words):
                self.shown.append(choice)
                options.append(Option(self._row(choice, info)))
        typed = query and " " not in query and (self.current[0], query) not in self.shown
        if typed and self.any_model:  # a name chuk-llm does not list may still be real: last, or alone
            self.shown.append((self.current[0], query))
            options.append(Option(Text.assemble("  ", (safe_text(f"{self.current[0]:<18}{query}"), "bold"), ("  use this name", "italic"))))
        listing = self.query_one(OptionList)
        listing.clear_options().add_options(options)
        listing.highlighted = 0 if options else None

    def _row(self, choice: Choice, info: ProviderInfo) -> Text:
        provider, model = choice
        row = Text("● " if choice == self.current else "  ", style="bold", no_wrap=True, overflow="ellipsis")
        row.append(safe_text(f"{provider:<18}"), style="" if info.has_key else "dim")
        name = safe_text(model or "(its default)")
        row.append(f"{name:<{MODEL_WIDTH}} ", style="bold" if choice == self.current else "")
        row.append("default " if model and model == info.default_model else "        ", style="dim")
        if not info.has_key:
            row.append(f"needs {info.key_env}", style="yellow")
        return row

    def action_move(self, step: int) -> None:
        listing = self.query_one(OptionList)
        if listing.option_count:
            listing.highlighted = ((listing.highlighted or 0) + step) % listing.option_count

    @on(Input.Submitted)
    def choose_highlighted(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None:
            self.dismiss(self.shown[index])

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])
