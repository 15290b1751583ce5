"""Trusted tools: the tools and servers always allowed to run (settings.toml); Delete revokes."""

from __future__ import annotations

import asyncio
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mcp_tui.config.preferences import NotSaved, SavedTrust, settings_path
from mcp_tui.text import safe_text


class TrustedToolsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("delete", "revoke", "Revoke"),
        Binding("escape,q", "dismiss", "Close"),
    ]

    def __init__(self, saved: SavedTrust | None) -> None:
        super().__init__()
        self.saved = saved

    def compose(self) -> ComposeResult:
        where = safe_text(str(self.saved.path or settings_path())) if self.saved else ""
        with Vertical(id="trusted"):
            yield Static(Text("Always allowed to run without asking", style="bold"))
            yield Static(Text(f"kept in {where}" if where else "this session keeps no preferences", style="dim"), id="trusted-where")
            yield OptionList(id="trusted-list")
            yield Static(id="trusted-empty")
            yield Static(Text("Delete revokes the highlighted entry · Esc closes · --approve never still refuses everything", style="dim"))

    def on_mount(self) -> None:
        panel = self.query_one("#trusted")
        panel.border_title = "trusted tools"
        self.show_rules()
        self.query_one("#trusted-list", OptionList).focus()

    @property
    def rules(self):
        return list(self.saved.rules) if self.saved else []

    def show_rules(self) -> None:
        listing = self.query_one("#trusted-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(Option(Text(rule.label)) for rule in self.rules)
        if self.rules:
            listing.highlighted = min(highlighted or 0, len(self.rules) - 1)
        listing.display = bool(self.rules)
        empty = "Nothing is always allowed. In the approval dialog, A (or t) always allows a tool, s every tool of its server."
        if self.saved is not None and self.saved.problem:
            empty = self.saved.problem
        note = self.query_one("#trusted-empty", Static)
        note.update(Text(empty))
        note.display = not self.rules

    async def action_revoke(self) -> None:
        index = self.query_one("#trusted-list", OptionList).highlighted
        if self.saved is None or index is None or index >= len(self.rules):
            return
        rule = self.rules[index]
        try:
            await asyncio.to_thread(self.saved.remove, rule)
        except NotSaved as exc:
            self.notify(f"Not revoked: {exc}", severity="error", markup=False)
            return
        self.show_rules()
        self.notify(f"Revoked {rule.label}: it is asked about again.", markup=False)
