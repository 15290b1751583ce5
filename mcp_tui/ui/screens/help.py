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
    ("Up / Down", "earlier prompts (on the first / last line); in the / list: move"),
    ("/ then Tab", "complete a command or its argument (models, providers, servers, files); Tab again: the next"),
    ("/server:prompt a=b", "run a server's prompt (Tab completes its arguments and their values)"),
    ("@ then Tab", "attach a server's resource to the message (templates: the server completes the variables)"),
    ("o (tool detail)", "read a resource the result links to and show it"),
    ("Esc (list open)", "close the / list"),
    ("PageUp / PageDown", "scroll the chat (also from the prompt)"),
    ("Ctrl+Home / Ctrl+End", "first / last message (Home / End too while the prompt is empty)"),
    ("Esc", "stop the answer or the running tools; else cancel an edit"),
    ("Ctrl+P", "command palette: every action, themes"),
    ("Ctrl+B", "show or hide the sidebar (folded away below 100 columns)"),
    ("Ctrl+T", "focus the tool timeline (Enter opens a call)"),
    ("Ctrl+L", "focus the prompt"),
    ("Ctrl+Y", "copy the last answer (also from the prompt; redo there is Ctrl+Shift+Z)"),
    ("Ctrl+↑ / Alt+↑ / F6", "block cursor on the chat, from its last message"),
    ("  ↑ ↓ / k j", "cursor: previous / next message, tool chip or code block"),
    ("  c", "cursor: copy the block (a code block: its code alone)"),
    ("  Enter", "cursor: open a tool chip's details; elsewhere back to the prompt"),
    ("  r", "cursor: retry the answer (drop it and what followed, ask again)"),
    ("  e", "cursor: edit the prompt and resend (replaces it and what followed)"),
    ("  f", "cursor: fork into a new session file up to this block"),
    ("  Esc", "cursor: back to the prompt"),
    ("Ctrl+F", "search the chat; Enter/F3 next, Shift+Enter/Shift+F3 previous, Esc close"),
    ("Ctrl+G", "browse segments and their summaries"),
    ("Ctrl+O", "saved sessions: search, open, rename, delete"),
    ("F2 / Ctrl+R (in Ctrl+O)", "rename the highlighted session"),
    ("Del / Ctrl+D (in Ctrl+O)", "delete the highlighted session (asks y/n; not the open one)"),
    ("F4", "switch model or provider (a list; keyless providers marked)"),
    ("r (on a server)", "restart a failed server"),
    ("l (on a server)", "log in to a server that needs it (OAuth in the browser)"),
    ("v (on a server)", "the server's log messages and stderr (/loglevel sets the level)"),
    ("y a A/t s n (approval)", "run once · trust this session · always this tool · always this server · refuse"),
    ("Ctrl+S Ctrl+N Esc (server question)", "send the form · decline · cancel; a URL question: o opens it, Enter accepts"),
    ("y n (sampling request)", "a server asks the model: answer with the current model · refuse (also Esc)"),
    ("Ctrl+P → Trusted tools…", "what is always allowed; Delete revokes"),
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
