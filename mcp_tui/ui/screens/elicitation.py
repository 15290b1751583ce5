"""A server asks the user something (MCP elicitation): a form built from its schema, or a URL
to open in the browser. Answers: accept (with the values), decline, cancel.

Everything the server sent (its name, message, titles, descriptions, the URL) is untrusted:
it is cleaned and shown as plain text, never as markup.
"""

from __future__ import annotations

import asyncio
import logging
import webbrowser

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Select, SelectionList, Static

from mcp_tui.engine.elicitation import ElicitationAnswer, ElicitationRequest
from mcp_tui.models.elicitation import FormField, check_all
from mcp_tui.text import safe_text
from mcp_tui.words import plural

log = logging.getLogger(__name__)


def _title(request: ElicitationRequest, what: str) -> Content:
    return Content(f"{safe_text(request.server)} {what}")


def field_label(field: FormField) -> Text:
    label = Text(field.title, style="bold")
    if field.required:
        label.append(" *", style="bold red")
    if hint := field.hint():
        label.append(f"  {hint}", style="dim")
    return label


def field_widget(field: FormField, index: int) -> Widget:
    """The input for one field, pre-filled with its default (SEP-1034)."""
    wid = f"field-{index}"
    if field.kind == "boolean":
        return Checkbox(Content(field.description or "yes"), value=bool(field.default), id=wid, compact=True)
    if field.kind == "choice":
        options = [(Text(c.label), c.value) for c in field.choices]
        chosen = field.default if field.default in [c.value for c in field.choices] else Select.NULL
        return Select(options, value=chosen, allow_blank=True, prompt="choose…", id=wid, compact=True)
    if field.kind == "multi":
        picked = field.default if isinstance(field.default, list) else []
        return SelectionList(*[(Content(c.label), c.value, c.value in picked) for c in field.choices], id=wid, compact=True)
    kind = {"integer": "integer", "number": "number"}.get(field.kind, "text")
    value = "" if field.default is None else f"{field.default}"
    return Input(value=value, type=kind, id=wid, compact=True)  # what it takes is said in its label


def widget_value(widget: Widget):
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, Select):
        return None if widget.value is Select.NULL else widget.value
    if isinstance(widget, SelectionList):
        return list(widget.selected)
    return widget.value if isinstance(widget, Input) else None


class _Question(ModalScreen[ElicitationAnswer]):
    """What both dialogs share: the request, and the two answers that send nothing."""

    def __init__(self, request: ElicitationRequest) -> None:
        super().__init__()
        self.request = request

    def action_decline(self) -> None:
        self.dismiss(ElicitationAnswer(action="decline"))

    def action_cancel(self) -> None:
        self.dismiss(ElicitationAnswer(action="cancel"))


class ElicitationScreen(_Question):
    """The form: one row per field; Enter (in a text box) or Ctrl+S sends it once every field
    checks out; the problems are said under their fields."""

    BINDINGS = [
        Binding("ctrl+s", "accept", "Send", priority=True),
        Binding("ctrl+n", "decline", "Decline", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="elicitation", classes="elicitation-dialog"):
            with VerticalScroll(id="elicitation-fields"):  # the message scrolls with them: a server may write a lot
                yield Static(Text(safe_text(req.message)), id="elicitation-message")
                for index, field in enumerate(req.fields):
                    with Vertical(classes="elicitation-field"):
                        yield Static(field_label(field))
                        if field.description and field.kind != "boolean":
                            yield Static(Text(field.description, style="dim"), classes="elicitation-description")
                        yield field_widget(field, index)
                        error = Static("", id=f"error-{index}", classes="elicitation-error")
                        error.display = False  # until the field fails a check
                        yield error
            yield Static(Text("* required · the server gets what you send; never enter passwords here", style="dim"), id="elicitation-note")
        yield Footer()

    def on_mount(self) -> None:
        dialog = self.query_one("#elicitation")
        dialog.border_title = _title(self.request, "asks")
        widgets = self._widgets()
        if widgets:
            widgets[0].focus()

    def _widgets(self) -> list[Widget]:
        return [self.query_one(f"#field-{i}") for i in range(len(self.request.fields))]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def action_accept(self) -> None:
        fields = self.request.fields
        widgets = self._widgets()
        content, problems = check_all(fields, {f.name: widget_value(w) for f, w in zip(fields, widgets)})
        for index, field in enumerate(fields):
            problem = problems.get(field.name, "")
            error = self.query_one(f"#error-{index}", Static)
            error.update(Text(f"⚠ {field.title}: {problem}"))
            error.display = bool(problem)
        if problems:
            first = next(i for i, f in enumerate(fields) if f.name in problems)
            widgets[first].focus()
            widgets[first].scroll_visible()
            self.notify(f"{plural(len(problems), 'field')} to fix before sending.", severity="warning", markup=False)
            return
        self.dismiss(ElicitationAnswer(action="accept", content=content))


class UrlElicitationScreen(_Question):
    """URL mode: the server wants the user to do something in the browser (sign in, pay…).
    Accepting says the user agrees to go there; `o` opens it now."""

    BINDINGS = [
        Binding("o", "open", "Open in browser"),
        Binding("enter,ctrl+s", "accept", "Accept", priority=True),
        Binding("n,ctrl+n", "decline", "Decline", key_display="n"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="elicitation-url", classes="elicitation-dialog"):
            yield Static(Text(safe_text(req.message)), id="elicitation-message")
            yield Static(Text.assemble(("Open: ", "bold"), (safe_text(req.url or ""), "underline")), id="elicitation-link")
            if req.elicitation_id:
                yield Static(Text(f"elicitation id {safe_text(req.elicitation_id)}", style="dim"))
            yield Static(Text("Check the address before you open it: the server chose it.", style="dim"))
        yield Footer()

    def on_mount(self) -> None:
        dialog = self.query_one("#elicitation-url")
        dialog.border_title = _title(self.request, "asks you to open a link")

    async def action_open(self) -> None:
        url = self.request.url or ""
        try:
            opened = await asyncio.to_thread(webbrowser.open, url)  # a console browser could block
        except Exception:  # no browser at all: the URL stays on screen to copy
            log.exception("opening %s failed", url)
            opened = False
        if not opened:
            self.notify("No browser could be opened: copy the address from the dialog.", severity="warning", markup=False)
            return
        self.action_accept()

    def action_accept(self) -> None:
        self.dismiss(ElicitationAnswer(action="accept"))


def screen_for(request: ElicitationRequest) -> ModalScreen[ElicitationAnswer]:
    return UrlElicitationScreen(request) if request.mode == "url" else ElicitationScreen(request)
