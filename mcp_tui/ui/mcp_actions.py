"""MCP prompts and resources in the TUI (mixed into the App): `/server:prompt arg=value`, /prompts,
/resources, `@server:uri` attachments read on send, changed resources, and resource links
opened from a tool's detail screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from mcp_tui.engine.mcp_input import InputError, TurnInput, split_attachments
from mcp_tui.models.events import ResourceChanged
from mcp_tui.servers.catalog import CatalogError
from mcp_tui.text import safe_text
from mcp_tui.engine.prompt_command import PromptCall, parse_prompt_command, usage
from mcp_tui.ui.screens.resource_viewer import ResourceViewer
from mcp_tui.ui.screens.tool_detail import ToolDetailScreen
from mcp_tui.ui.widgets.attachment import AttachmentChip
from mcp_tui.ui.widgets.chat import AssistantMessage, InfoNote, UserMessage
from mcp_tui.ui.widgets.prompt_input import PromptInput
from mcp_tui.words import clip_words, plural


def turn_widgets(entry: str | TurnInput) -> list:
    """What the chat shows of what is sent: the typed text with its attachments, or the
    prompt asked for and the messages it brought."""
    if isinstance(entry, str):  # a retry sends the saved message again, resources and all
        typed, labels = split_attachments(entry)
        return [UserMessage(typed), *(AttachmentChip(label) for label in labels)]
    if entry.prompt is None:
        return [UserMessage(entry.text), *(AttachmentChip(a.label) for a in entry.attachments)]
    widgets: list = [InfoNote(Text(safe_text(entry.text)), "prompt")]  # a title is markup: server text stays in the body
    for role, content in entry.messages:
        widgets.append(AssistantMessage(f"prompt {entry.prompt}", content) if role == "assistant" else UserMessage(content))
    return widgets


class McpActions:
    async def run_prompt_command(self, text: str) -> bool:
        """A `/server:prompt …` typed: run it, or say why not. False when `text` is no such command."""
        parsed = parse_prompt_command(text, self.engine.servers.prompts())
        if parsed is None:
            return False
        if isinstance(parsed, str):
            await self.note(Text(safe_text(parsed)), "prompt")
            self.query_one(PromptInput).load_text(text)  # to fix it, not type it again
            return True
        await self.run_prompt(parsed, text)
        return True

    async def run_prompt(self, call: PromptCall, typed: str = "") -> None:
        if self.engine.busy:
            self.notify("An answer is still running: wait for it or press Esc to stop it.", severity="warning")
            self.query_one(PromptInput).load_text(typed)
            return
        try:
            entry = await self.engine.prompt_input(call.prompt.server, call.prompt.name, call.arguments)
        except CatalogError as exc:
            await self.note(Text(safe_text(f"The prompt did not run: {exc}")), "prompt")
            return
        await self.apply_pending_edit()
        self.run_turn(entry)

    async def turn_input(self, text: str) -> TurnInput | None:
        """Typed text with the resources it attaches read in; None (said why) when one cannot be read."""
        try:
            return await self.engine.attach(text)
        except InputError as exc:
            await self.note(Text(safe_text(f"{exc} The message was not sent.")), "resource")
            self.query_one(PromptInput).load_text(text)
            return None

    def start_prompt(self, server: str, name: str) -> None:
        """From the palette: a prompt without arguments runs; otherwise its command waits in the prompt."""
        prompt = next((p for p in self.engine.servers.prompts() if p.server == server and p.name == name), None)
        if prompt is None:
            self.notify(f"{server}:{name} is gone (the server changed its prompts).", severity="warning", markup=False)
            return
        if not prompt.arguments:
            self.run_worker(self.run_prompt(PromptCall(prompt, {})), group="prompt")
            return
        field = self.query_one(PromptInput)
        field.completion.offer(field, f"/{server}:{name} ")

    async def action_show_prompts(self) -> None:
        prompts = self.engine.servers.prompts()
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 1))
        for column in ("prompt", "description"):
            table.add_column(column)
        for p in prompts:
            about = p.description.strip().splitlines()[0] if p.description.strip() else (p.title or "")
            table.add_row(Text(safe_text(usage(p))), Text(safe_text(clip_words(about, 70))))
        empty = Text("No prompts: no ready server offers any. /servers shows their states.")
        await self.note(table if prompts else empty, plural(len(prompts), "prompt"))

    async def action_show_resources(self) -> None:
        """Each resource on two lines: server, name, type and size; then its uri, whole (what @ takes)."""
        resources, templates = self.engine.servers.resources(), self.engine.servers.templates()
        if not resources and not templates:
            await self.note(Text("No resources: no ready server offers any. /servers shows their states."), "resources")
            return
        lines = Text()
        rows = [(r.server, r.name, r.mime_type, f"{r.size:,} bytes" if r.size is not None else "", r.uri) for r in resources]
        rows += [(t.server, t.name, t.mime_type, "template", t.uri_template) for t in templates]
        for server, name, mime, size, uri in rows:
            lines.append(safe_text(f"{server}  "), style="dim")
            lines.append(safe_text(name or uri), style="bold")
            lines.append(safe_text("  ".join(part for part in ("", mime or "", size) if part is not None)).rstrip())
            lines.append("\n  ")
            lines.append(safe_text(uri))
            lines.append("\n")
        lines.append(f"{plural(len(resources), 'resource')}, {plural(len(templates), 'template')}. Attach one to a message with @server:uri (Tab completes).", style="dim")
        await self.note(lines, "resources")

    def resource_changed(self, event: ResourceChanged) -> None:
        self.notify(f"Resource {event.uri} ({event.server}) changed: your next message sends it again.", title="resource", markup=False)

    async def on_tool_detail_screen_open_resource(self, message: ToolDetailScreen.OpenResource) -> None:
        try:
            result = await self.engine.servers.read_resource(message.server, message.uri)
        except CatalogError as exc:
            self.notify(f"Could not read {message.uri}: {exc}", title="resource", severity="error", markup=False)
            return
        self.push_screen(ResourceViewer(message.server, message.uri, result))
