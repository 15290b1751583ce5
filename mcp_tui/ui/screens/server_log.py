"""One server's log: the log messages it sent (level, logger, data; JSON pretty-printed), newest
last and live, then the last lines it wrote on stderr. Opened with v on its sidebar row, /log
NAME, or the palette's "Server log: NAME"."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mcp_tui.text import safe_text
from mcp_tui.words import plural

MAX_SHOWN = 500  # as many as the server's ring keeps
LEVEL_STYLE = {
    "debug": "dim", "info": "", "notice": "cyan", "warning": "yellow",
    "error": "bold red", "critical": "bold red", "alert": "bold red reverse", "emergency": "bold red reverse",
}


def entry_line(entry: Any) -> Text:
    """`HH:MM:SS LEVEL logger  data`, the data's further lines indented under it."""
    line = Text()
    line.append(datetime.fromtimestamp(entry.at).strftime("%H:%M:%S "), style="dim")
    line.append(f"{entry.level.upper():<9}", style=LEVEL_STYLE.get(entry.level, ""))
    if entry.logger:
        line.append(f"{safe_text(entry.logger)}  ", style="bold")
    first, *rest = safe_text(entry.text).split("\n") or [""]
    line.append(first)
    for more in rest:
        line.append("\n    " + more)
    return line


class ServerLogScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Close"), Binding("end", "scroll_end", "Newest", show=False)]

    def __init__(
        self,
        server: str,
        entries: Iterable[Any],
        *,
        level: str,
        logging: bool,
        received: int = 0,
        notes: Iterable[str] = (),
        stderr: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.server = server
        self.entries = list(entries)
        self.level, self.logging, self.received = level, logging, max(received, len(self.entries))
        self.notes, self.stderr = list(notes), list(stderr)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="server-log"):
            yield Static(self._heading(), id="server-log-heading")
            yield Static("log messages", classes="sidebar-heading")
            yield Static(Text("none yet", style="dim"), id="server-log-empty")
            yield Vertical(*(Static(entry_line(e), classes="log-entry") for e in self.entries), id="server-log-entries")
            yield Static("stderr (this run's last lines)", classes="sidebar-heading")
            lines = Text("\n".join(safe_text(s) for s in self.stderr)) if self.stderr else Text("nothing", style="dim")
            yield Static(lines, id="server-log-stderr")

    def _heading(self) -> Text:
        text = Text()
        if self.logging:
            text.append(f"Messages at level {self.level} and above")
            text.append(f" · {plural(self.received, 'message')} received" + (" (the newest kept)" if self.received > len(self.entries) else ""), style="dim")
            text.append(f"\n/loglevel {safe_text(self.server)} LEVEL asks for more or fewer.", style="dim")
        else:
            text.append("This server does not send log messages (no logging capability).", style="dim")
        for note in self.notes:
            text.append(f"\n{safe_text(note)}", style="yellow")
        return text

    def on_mount(self) -> None:
        panel = self.query_one("#server-log")
        panel.border_title = f"log · {safe_text(self.server)}"
        panel.border_subtitle = (f"level {self.level} · " if self.logging else "") + "esc close"  # in sight when scrolled
        self.query_one("#server-log-empty").display = not self.entries
        panel.focus()
        panel.scroll_end(animate=False)

    def add(self, entry: Any) -> None:
        """A message that arrived while the log is open."""
        last = self.entries[-1] if self.entries else None
        if last is not None and (last.at, last.text) == (entry.at, entry.text):
            return  # already in the ring when the view opened
        self.entries.append(entry)
        self.received += 1
        self.query_one("#server-log-empty").display = False
        panel, shown = self.query_one("#server-log"), self.query_one("#server-log-entries")
        following = panel.scroll_y >= panel.max_scroll_y  # the newest was in sight: keep it so
        shown.mount(Static(entry_line(entry), classes="log-entry"))
        if following:
            panel.call_after_refresh(panel.scroll_end, animate=False)
        if len(self.entries) > MAX_SHOWN:  # a flood while open stays as bounded as the ring
            del self.entries[0]
            shown.children[0].remove()
        self.query_one("#server-log-heading", Static).update(self._heading())

    def action_scroll_end(self) -> None:
        self.query_one("#server-log").scroll_end(animate=False)
