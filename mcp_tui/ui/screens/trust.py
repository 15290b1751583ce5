"""Asks before the servers of a config found in the working folder are started."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mcp_tui.config.trust import TrustRequest
from mcp_tui.text import safe_text


class TrustScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "decide(True)", "Trust and start"),
        Binding("n", "decide(False)", "Don't start"),
        Binding("escape", "decide(False)", "Don't start"),
    ]

    def __init__(self, request: TrustRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        with Vertical(id="trust-dialog"):
            yield Static(Text("Start the servers of this folder's config?", style="bold"), id="trust-title")
            yield Static(Text(safe_text(f"{self.request.path} was found in the working folder, not chosen by you. "
                                        "Starting it runs these commands as you:")), id="trust-why")
            with VerticalScroll(id="trust-runs"):
                yield Static(Text("\n".join(self.request.runs) or "(no servers)"))
            yield Static(Text("Your answer is remembered for this file until its content changes."), id="trust-note")
            with Horizontal(id="trust-buttons"):
                yield Button("Trust and start · y", id="yes", variant="warning")
                yield Button("Don't start · n", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#trust-dialog").border_title = "workspace trust"
        self.query_one("#no", Button).focus()  # the safe answer is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_decide(self, trusted: bool) -> None:
        self.dismiss(trusted)
