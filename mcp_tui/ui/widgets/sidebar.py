"""The sidebar: model, token gauge, prompt/completion split, cost, segment, servers."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, ListItem, ListView, Static

from mcp_tui.models.provider import Step
from mcp_tui.models.events import ServerStateChanged
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.text import safe_text
from mcp_tui.words import plural
from mcp_tui.ui.widgets.token_gauge import TokenGauge, short_count

STATE_ICON = {"ready": "●", "starting": "◌", "failed": "✗", "exited": "✗", "stopped": "○", "disabled": "○", "needs-login": "◇"}


class ServerRow(ListItem):
    """One server; it draws the newest state it was given, whenever its label exists, so
    states that come before it is mounted (a server failing at once) are never lost."""

    def __init__(self, name: str) -> None:
        super().__init__(Label(name), classes="server-row")
        self.server_name = name
        self.state = "starting"
        self.tools_on = True
        self._event: ServerStateChanged | None = None

    def show(self, event: ServerStateChanged) -> None:
        self.remove_class(f"-{self.state}")
        self.state = event.state  # at once: `r` acts on the truth, drawn or not
        self.add_class(f"-{event.state}")
        self.tools_on = event.tools_on
        self._event = event
        self._draw()

    def on_mount(self) -> None:
        self._draw()
        self.call_after_refresh(self._draw)  # the label is mounted after its row

    def _draw(self) -> None:
        labels = self.query(Label)
        if self._event is not None and labels:
            labels.first().update(server_line(self._event))


def server_line(event: ServerStateChanged) -> Text:
    line = Text()
    line.append(f"{STATE_ICON.get(event.state, '?')} ", style="bold")
    line.append(safe_text(event.name))
    if event.state == "ready" and not event.tools_on:
        line.append("  tools off [t]", style="dim")
    elif event.state == "ready":
        line.append(f"  {plural(event.tool_count, 'tool')} · ~{short_count(event.tool_tokens)} tok", style="dim")
    elif event.state == "needs-login":
        line.append("  needs login  [l]og in", style="bold")
    else:
        line.append(f"  {event.state}", style="dim")
    if event.state in ("failed", "exited"):
        line.append("  [r]estart", style="bold")
        if event.reason:
            line.append(f"\n  {safe_text(event.reason)[:200]}", style="dim")
    return line


class ServerList(ListView):
    BINDINGS = [
        Binding("r", "restart", "Restart server"), Binding("t", "toggle_tools", "Tools on/off"),
        Binding("l", "log_in", "Log in"), Binding("v", "view_log", "Server log"),
    ]

    class LoginRequested(Message):
        """Log in to the server (OAuth in the browser), then start it again."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class RestartRequested(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class LogRequested(Message):
        """Show the server's log messages and stderr."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class ToolsToggled(Message):
        """Offer the server's tools to the model, or stop offering them (this session)."""

        def __init__(self, name: str, on: bool) -> None:
            super().__init__()
            self.name = name
            self.on = on

    def show(self, event: ServerStateChanged) -> None:
        for row in self.query(ServerRow):
            if row.server_name == event.name:
                row.show(event)
                return
        row = ServerRow(event.name)
        row.show(event)  # kept by the row and drawn when its label is there
        self.append(row)

    def action_restart(self) -> None:
        item = self.highlighted_child
        if isinstance(item, ServerRow) and item.state != "disabled":  # the app checks the server's real state
            self.post_message(self.RestartRequested(item.server_name))

    def action_log_in(self) -> None:
        item = self.highlighted_child
        if isinstance(item, ServerRow) and item.state != "disabled":
            self.post_message(self.LoginRequested(item.server_name))

    def action_view_log(self) -> None:
        item = self.highlighted_child
        if isinstance(item, ServerRow):
            self.post_message(self.LogRequested(item.server_name))

    def action_toggle_tools(self) -> None:
        item = self.highlighted_child
        if isinstance(item, ServerRow):
            self.post_message(self.ToolsToggled(item.server_name, not item.tools_on))


def choice_lines(steps: list[Step]) -> Text:
    """How the provider was picked, a few words per step (--doctor tells the whole story)."""
    lines = Text()
    for i, step in enumerate(steps):
        if i:
            lines.append("\n")
        lines.append("✓ " if step.chosen else "· ", style="bold" if step.chosen else "dim")
        lines.append(f"{step.source}: {safe_text(step.short or step.detail)}", style="" if step.chosen else "dim")
    return lines


class Sidebar(VerticalScroll):
    def __init__(self, model_label: str, threshold: int, steps: list[Step] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.model_label = model_label
        self.threshold = threshold
        self.steps = steps or []
        self.stats = TokenUsageStats()

    def compose(self) -> ComposeResult:
        saving = Static("", id="saving")
        saving.display = False
        yield saving
        yield Static("model", classes="sidebar-heading")
        yield Static(Text(self.model_label), id="model")
        if self.steps:
            yield Static(choice_lines(self.steps), id="model-choice")
        yield Static("context", classes="sidebar-heading")
        yield TokenGauge(self.threshold, id="gauge")
        yield Static("", id="context-detail")
        yield Static("session", classes="sidebar-heading")
        yield Static("", id="split")
        yield Static("", id="cost")
        yield Static("", id="turn-cost")
        yield Static("", id="segment")
        yield Static("servers", classes="sidebar-heading")
        yield ServerList(id="servers")

    def on_mount(self) -> None:
        self.show_usage(TokenUsageStats(), self.threshold)

    def set_model(self, label: str, steps: list[Step] | None = None) -> None:
        """A new model; `steps` tell how it was chosen (none: the old story no longer fits)."""
        self.model_label = label
        model = self.query_one("#model", Static)
        model.update(Text(label))
        choices = self.query("#model-choice")
        if steps and choices:  # updated in place: a removal is not done yet when a new one mounts
            choices.first(Static).update(choice_lines(steps))
        elif steps:
            self.mount(Static(choice_lines(steps), id="model-choice"), after=model)
        else:
            choices.remove()

    def summary(self) -> str:
        """Model · context % · cost on one line: what stays in sight (the header) when a
        narrow screen folds the sidebar away."""
        cost = self.stats.cost_text() if self.stats.requests else "$0"
        return f"{self.model_label} · ctx {self.stats.fraction(self.threshold) * 100:.0f}% · {cost}"

    def show_usage(self, stats: TokenUsageStats, threshold: int) -> None:
        self.threshold, self.stats = threshold, stats
        self.query_one(TokenGauge).show(stats, threshold)
        detail = Text(f"tools ~{short_count(stats.schema_tokens)}", style="dim")
        if stats.instruction_tokens:  # the servers' instructions ride in the system prompt
            detail.append(f" · instr. ~{short_count(stats.instruction_tokens)}", style="dim")
        if stats.window:
            detail.append(f" · window {short_count(stats.window)}", style="dim")
        self.query_one("#context-detail", Static).update(detail)
        if not stats.requests:  # nothing sent yet: nothing to count, nothing to mark
            split, cost = Text("no requests yet", style="dim"), Text("cost   —")
        else:
            split = Text(
                f"{stats.totals_text(stats.total_tokens)} tokens · {stats.requests} req.\n"
                f"prompt {stats.totals_text(stats.prompt_tokens)} · compl. {stats.totals_text(stats.completion_tokens)}"
            )
            if stats.cached_tokens:
                split.append(f"\ncached {short_count(stats.cached_tokens)}", style="dim")
            cost = Text(f"cost   {stats.cost_text()}")
            source = {"provider": "reported", "estimate": "~ estimated", "mixed": "~ partly estimated"}[stats.totals_source]
            cost.append(f"\n{source}", style="dim")
        self.query_one("#split", Static).update(split)
        self.query_one("#cost", Static).update(cost)
        self.query_one("#segment", Static).update(f"segment {stats.segments} of {stats.segments}")

    def show_turn(self, usage: TokenUsageStats) -> None:
        """What the last turn's requests cost."""
        line = f"last turn {usage.totals_text(usage.total_tokens)} · {usage.cost_text()}"
        self.query_one("#turn-cost", Static).update(Text(line, style="dim"))

    def show_saving(self, warning: str | None) -> None:
        """A warning that stays up while the session is not being saved (None: saved again)."""
        saving = self.query_one("#saving", Static)
        saving.update(Text(f"⚠ {safe_text(warning)}") if warning else "")
        saving.display = warning is not None

    def show_segment(self, current: int, total: int) -> None:
        self.query_one("#segment", Static).update(f"segment {current} of {total}")
