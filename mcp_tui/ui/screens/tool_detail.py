"""The full arguments and result of one tool call, pretty JSON, scrollable; the resources its
result links to open with o (the app reads them: ResourceViewer)."""

from __future__ import annotations

import json

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mcp_tui.text import safe_text
from mcp_tui.ui.widgets.timeline import ToolRecord

SHOWN_CHARS = 200_000  # laying out megabytes takes seconds; the count of the rest is shown


PRETTY_DEPTH = 100  # deeper JSON is shown as sent: its indentation grows with the square of the depth


def pretty(text: str) -> Syntax | Text:
    """JSON is pretty-printed and highlighted; anything else, or JSON nested too deep, is
    shown literally."""
    try:
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError):  # RecursionError: nested deeper than Python's stack
        return Text(safe_text(text))
    if _deeper_than(value, PRETTY_DEPTH):
        return Text(safe_text(text))
    return Syntax(safe_text(json.dumps(value, indent=2, ensure_ascii=False)), "json", word_wrap=True, theme="ansi_dark")


def _deeper_than(value, limit: int) -> bool:
    """Without recursion, so any depth json.loads accepted can be measured."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


class ToolDetailScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("s", "save", "Save the full result"),
        Binding("o", "open_link", "Open resource link"),
    ]

    class OpenResource(Message):
        """Read a resource the result links to and show it."""

        def __init__(self, server: str, uri: str) -> None:
            super().__init__()
            self.server, self.uri = server, uri

    def __init__(self, record: ToolRecord) -> None:
        super().__init__()
        self.record = record
        if record.full_result_file is not None:  # a resumed call: its whole result was kept beside the session
            try:
                record.result = record.full_result_file.read_text(encoding="utf-8", errors="replace")
                record.full_result_file = None
            except OSError:
                pass  # gone since: the text the model got is shown
        self.saved_to = None

    def compose(self) -> ComposeResult:
        r = self.record
        args = json.dumps(r.arguments, ensure_ascii=False) if r.arguments is not None else r.raw_arguments
        result = r.result or "(no result yet)"
        cut = len(result) > SHOWN_CHARS
        with VerticalScroll(id="tool-detail"):
            yield Static(Text(f"{safe_text(r.label)} · {r.state}" + (f" · {r.duration:.2f} s" if r.duration is not None else ""), style="bold"))
            yield Static("arguments", classes="sidebar-heading")
            yield Static(pretty(args))
            yield Static("result", classes="sidebar-heading")
            yield Static(pretty(result[:SHOWN_CHARS]))
            if cut:
                yield Static(Text(f"… {len(result) - SHOWN_CHARS:,} more characters not shown: s saves all of it to a file", style="dim"))
            if r.links:
                yield Static("resource links · o opens the highlighted one", classes="sidebar-heading")
                yield OptionList(*(Option(Text(safe_text(link.label + (f" · {link.mime_type}" if link.mime_type else "")))) for link in r.links), id="links")

    def on_mount(self) -> None:
        panel = self.query_one("#tool-detail")
        panel.border_title = "tool call"
        panel.border_subtitle = ("o open link · " if self.record.links else "") + "s save · esc close"
        panel.focus()

    def action_open_link(self) -> None:
        if not self.record.links:
            self.notify("This result links to no resource.", title="tool result", markup=False)
            return
        links = self.query_one("#links", OptionList)
        self.post_message(self.OpenResource(self.record.server, self.record.links[links.highlighted or 0].uri))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.OpenResource(self.record.server, self.record.links[event.option_index].uri))

    def action_save(self) -> None:
        """The whole result as the tool sent it, for a pager or an editor."""
        from mcp_tui import paths
        from mcp_tui.store.private_file import write_private

        try:
            folder = paths.ensure(paths.data_dir() / "tool-results")
            path = folder / f"{self.record.call_id.replace('/', '_')[:80] or 'call'}.txt"
            write_private(path, self.record.result, errors="replace")
        except OSError as exc:
            self.notify(f"Could not save the result: {exc.strerror or exc}", title="tool result", severity="error", markup=False)
            return
        self.saved_to = path
        self.notify(f"Saved {len(self.record.result):,} characters to {path}", title="tool result", markup=False)
