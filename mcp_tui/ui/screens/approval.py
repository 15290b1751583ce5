"""Asks whether a tool may run: server, tool, what its annotations claim, the arguments,
and the answers (once, this session, always this tool, always this server, refuse)."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mcp_tui.engine.approval import ApprovalRequest, Decision
from mcp_tui.text import safe_text


def hint_lines(annotations: dict[str, Any]) -> Text:
    """What the server says about the tool (MCP annotations), in words and colours. These are
    the server's claims: an unmarked tool is shown as one that may change things."""
    lines = Text()

    def line(text: str, style: str) -> None:
        if lines:
            lines.append("\n")
        lines.append(text, style=style)

    title = annotations.get("title")
    if title:
        line(f"“{safe_text(str(title))}”", "italic")
    read_only, destructive = annotations.get("read_only"), annotations.get("destructive")
    if read_only is True:
        line("✓ read-only: says it changes nothing", "green")
    elif destructive is True:
        line("⚠ may delete or overwrite data", "bold red")
    elif destructive is False:
        line("✎ changes data, but says it deletes or overwrites nothing", "")
    else:
        line("⚠ not marked read-only or safe: may change or delete data", "red")
    if annotations.get("open_world") is True:
        line("⇄ reaches outside: network/world", "bold yellow")
    elif annotations.get("open_world") is False:
        line("◦ closed world: touches only what the server holds", "dim")
    if annotations.get("idempotent") is True and read_only is not True:
        line("↻ idempotent: running it again changes nothing more", "dim")
    return lines


def _choice(key: str, text: str) -> Text:
    return Text.assemble((f" {key} ", "bold reverse"), "  ", text)


class ApprovalScreen(ModalScreen[Decision | None]):
    BINDINGS = [
        Binding("y", "decide('run')", "Run once"),
        Binding("a", "decide('trust')", "Trust (session)"),
        Binding("A,t", "decide('always_tool')", "Always this tool", key_display="A/t"),
        Binding("s", "decide('always_server')", "Always this server"),
        Binding("n", "decide('deny')", "Refuse"),
        Binding("escape", "stop", "Stop the answer"),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        req = self.request
        server = safe_text(req.server)
        with Vertical(id="approval"):
            yield Static(Text(f"Run {req.label}?", style="bold"), id="approval-title")
            yield Static(hint_lines(req.annotations), id="approval-hints")
            with VerticalScroll(id="approval-args"):
                yield Static(Text(safe_text(json.dumps(req.arguments, indent=2, ensure_ascii=False))))
            yield OptionList(
                Option(_choice("y", "Run once"), id=Decision.RUN.value),
                Option(_choice("a", "Trust this tool for this session"), id=Decision.TRUST.value),
                Option(_choice("A", "Always allow this tool (kept; Ctrl+P → Trusted tools revokes)"), id=Decision.ALWAYS_TOOL.value),
                Option(_choice("s", f"Always allow every tool of {server}"), id=Decision.ALWAYS_SERVER.value),
                Option(_choice("n", "Refuse (the model is told)"), id=Decision.DENY.value),
                id="approval-choices",
            )

    def on_mount(self) -> None:
        dialog = self.query_one("#approval")
        dialog.border_title = "tool approval"
        dialog.border_subtitle = "a key, or ↑↓ Enter · esc stops the whole answer"  # a border line: no row taken on small screens
        self.query_one("#approval-choices", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(Decision(event.option_id))

    def action_decide(self, decision: str) -> None:
        self.dismiss(Decision(decision))

    def action_stop(self) -> None:
        """Esc means what it means everywhere else: stop the turn (None tells the app)."""
        self.dismiss(None)
