"""Asks whether a server may have the current model answer it (MCP sampling): which server
asks, what it sends (system prompt and messages, the server's text: untrusted), the limits and
model preferences it gives, and which model will answer. Accept runs it; refuse (or Esc) sends
the server an error."""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mcp_tui.engine.sampling import SamplingRequest
from mcp_tui.text import safe_text


def _choice(key: str, text: str) -> Text:
    return Text.assemble((f" {key} ", "bold reverse"), "  ", text)


def request_facts(request: SamplingRequest) -> Text:
    """The limits and wishes the server gave, and the model that will answer."""
    facts = Text()
    facts.append("answered by ", style="dim")
    facts.append(safe_text(request.model), style="bold")
    facts.append(f" · up to {request.max_tokens:,} tokens")
    if request.temperature is not None:
        facts.append(f" · temperature {request.temperature:g}")
    if request.tools:
        facts.append("\nthe model may call the server's tools: " + ", ".join(safe_text(t) for t in request.tools))
    wishes = [f"models like {', '.join(safe_text(h) for h in request.model_hints)}"] if request.model_hints else []
    wishes += [f"{name} {value:g}" for name, value in request.priorities.items()]
    if wishes:
        facts.append("\nthe server prefers: " + "; ".join(wishes), style="dim")
        facts.append(" (advice only: the current model answers)", style="dim italic")
    return facts


def request_messages(request: SamplingRequest) -> Text:
    text = Text()
    if request.system_prompt:
        text.append("system › ", style="bold magenta")
        text.append(safe_text(request.system_prompt))
    for role, content in request.messages:
        if text:
            text.append("\n")
        text.append(f"{safe_text(role)} › ", style="bold cyan" if role == "user" else "bold green")
        text.append(safe_text(content))
    return text


class SamplingScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "decide(True)", "Answer"),
        Binding("n,escape", "decide(False)", "Refuse", key_display="n/esc"),
    ]

    def __init__(self, request: SamplingRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="sampling"):
            yield Static(Text(f"{safe_text(req.server)} asks the model for an answer", style="bold"), id="sampling-title")
            yield Static(request_facts(req), id="sampling-facts")
            with VerticalScroll(id="sampling-messages"):
                yield Static(request_messages(req))
            yield OptionList(
                Option(_choice("y", f"Answer with {safe_text(req.model)} (its tokens count in this session)"), id="yes"),
                Option(_choice("n", "Refuse (the server gets an error)"), id="no"),
                id="sampling-choices",
            )

    def on_mount(self) -> None:
        dialog = self.query_one("#sampling")
        dialog.border_title = "sampling request"
        dialog.border_subtitle = "y / n, or ↑↓ Enter · esc refuses"
        self.query_one("#sampling-choices", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_id == "yes")

    def action_decide(self, answer: bool) -> None:
        self.dismiss(answer)


async def ask_sampling(app: App, request: SamplingRequest) -> bool:
    """The engine's sampling asker: the dialog, answered or closed when the request is withdrawn."""
    future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def answered(accept: bool | None) -> None:
        if not future.done():
            future.set_result(bool(accept))

    screen = SamplingScreen(request)
    app.push_screen(screen, answered)
    try:
        return await future
    finally:
        if not future.done() and screen.is_current:  # the server gave up (cancelled): close it
            screen.dismiss(False)
