"""F1: keys and slash commands."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mcp_tui.ui.commands import COMMANDS

KEYS = [
    ("Enter", "send the prompt"),
    ("Shift+Enter / Ctrl+J", "new line in the prompt"),
    ("Up / Down", "earlier prompts (on the first / last line)"),
    ("Esc", "stop the answer or the running tools"),
    ("Ctrl+P", "command palette: every action, themes"),
    ("Ctrl+B", "show or hide the sidebar (folded away below 100 columns)"),
    ("Ctrl+T", "focus the tool timeline (Enter opens a call)"),
    ("Ctrl+L", "focus the prompt"),
    ("Ctrl+Y", "copy the last answer"),
    ("Ctrl+G", "browse segments and their summaries"),
    ("Ctrl+O", "saved sessions: search, open"),
    ("r (on a server)", "restart a failed server"),
    ("Tab / Shift+Tab", "move between panes"),
    ("F1", "this help"),
    ("Ctrl+Q", "quit"),
]


def help_table() -> Table:
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("key or command")
    table.add_column("does")
    for key, what in KEYS:
        table.add_row(key, what)
    table.add_row("", "")
    for command in COMMANDS:
        table.add_row(command.usage, command.help)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_table())

    def on_mount(self) -> None:
        panel = self.query_one("#help")
        panel.border_title = "mcp-tui help"
        panel.border_subtitle = "esc close"
        panel.focus()
