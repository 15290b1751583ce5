"""Asks whether a tool may run: server, tool, arguments and its annotations."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from mcp_tui.engine.approval import ApprovalRequest, Decision
from mcp_tui.text import safe_text


class ApprovalScreen(ModalScreen[Decision | None]):
    BINDINGS = [
        Binding("y", "decide('run')", "Run"),
        Binding("a", "decide('trust')", "Trust tool"),
        Binding("n", "decide('deny')", "Refuse"),
        Binding("escape", "stop", "Stop the answer"),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="approval"):
            yield Static(Text(f"Run {safe_text(req.server)}.{safe_text(req.tool)}?", style="bold"), id="approval-title")
            notes = ", ".join(f"{k}: {v}" for k, v in req.annotations.items()) or "no annotations (may change things)"
            yield Static(Text(f"annotations  {safe_text(notes)}"), id="approval-annotations")
            with VerticalScroll(id="approval-args"):
                yield Static(Text(safe_text(json.dumps(req.arguments, indent=2, ensure_ascii=False))))
            with Horizontal(id="approval-buttons"):
                yield Button("Run · y", id="run", variant="success")
                yield Button("Trust tool · a", id="trust", variant="primary")
                yield Button("Refuse · n", id="deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#approval").border_title = "tool approval"
        self.query_one("#run", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(Decision(event.button.id))

    def action_decide(self, decision: str) -> None:
        self.dismiss(Decision(decision))

    def action_stop(self) -> None:
        """Esc means what it means everywhere else: stop the turn (None tells the app)."""
        self.dismiss(None)
