"""What the slash commands and their palette entries do (mixed into the App)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mcp_tui import paths
from mcp_tui.engine.chat_engine import SwitchRefused
from mcp_tui.store.export import from_json, to_json, to_markdown
from mcp_tui.store.private_file import write_private
from mcp_tui.store.session_listing import renamed_title
from mcp_tui.text import safe_text
from mcp_tui.ui.commands import Command
from mcp_tui.ui.completions import known_providers
from mcp_tui.ui.roots_view import change_roots, roots_listing
from mcp_tui.ui.screens.models import ModelPicker
from mcp_tui.words import clip_words, plural

# A tool's readOnlyHint: a server that says nothing leaves it unknown (and it may write).
READ_ONLY = {True: "yes", False: "no", None: "not said"}


class SlashActions:
    async def run_slash(self, command: Command, argument: str) -> None:
        handler = getattr(self, f"action_{command.action}")
        result = handler(argument) if command.usage.count(" ") else handler()
        if hasattr(result, "__await__"):
            await result

    async def action_show_tools(self) -> None:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 1))
        for column in ("tool", "read-only", "description"):
            table.add_column(column)
        tools = self.engine.servers.tools()
        for tool in tools:
            summary = clip_words(tool.description.strip().splitlines()[0], 70) if tool.description.strip() else ""
            table.add_row(Text(safe_text(f"{tool.server}.{tool.name}")), READ_ONLY[tool.read_only], Text(safe_text(summary)))
        shown = table if tools else Text("No tools: no server is ready. /servers shows why.")
        hidden = [f"{m.server}: {m.hidden_note()}" for m in self.engine.servers.messages() if m.hidden_tools]
        if hidden:  # offered to no model: this client cannot run tasks
            shown = Group(shown, Text("\n".join(hidden), style="dim"))
        await self.note(shown, plural(len(tools), "tool"))

    async def action_show_servers(self) -> None:
        lines = Text()
        for status in self.engine.servers.statuses():
            event = self.engine.server_event(status)  # its reason masked, as the sidebar shows it
            lines.append(f"{event.name}: {event.state}")
            if event.state == "ready":
                lines.append(f", {plural(event.tool_count, 'tool')}")
            if event.reason:
                lines.append(f" — {safe_text(event.reason)}")
            lines.append("\n")
        await self.note(lines if lines else Text("No servers configured. See the README: Configuring MCP servers."), "servers")

    async def action_set_model(self, argument: str = "") -> None:
        if not argument:
            await self.action_pick_model()
            return
        await self._switch(argument, None)

    async def action_set_provider(self, argument: str = "") -> None:
        if not argument:
            await self.action_pick_model()
            return
        provider, _, model = argument.partition(" ")
        await self._switch(model.strip() or None, provider)

    async def action_pick_model(self) -> None:
        """The model picker: chuk-llm's models for this provider, then the other providers."""
        known = await asyncio.to_thread(known_providers, self.engine)  # the first call reads chuk-llm's configuration
        current = (self.engine.llm.provider, self.engine.llm.model)

        async def chosen(choice) -> None:
            if choice is not None:
                await self._switch(choice[1] or None, choice[0])

        self.push_screen(ModelPicker(known, current), chosen)

    async def _switch(self, model: str | None, provider: str | None) -> None:
        try:
            label = await self.engine.set_model(model, provider)
        except SwitchRefused as exc:  # said now, not as a failed turn later; the old model stays
            await self.note(Text(safe_text(f"Not switched: {exc} Still talking to {self.engine.context.model_label}. F4 lists the models and providers.")), "model")
            return
        except Exception as exc:
            await self.note(Text(f"Could not switch: {exc}"))
            return
        self.query_one("#sidebar").set_model(label)
        self._show_title()
        await self.note(f"Now talking to {label}.")

    async def action_clear(self) -> None:
        try:
            self.engine.clear()
        except RuntimeError as exc:
            self.notify(str(exc), severity="warning")
            return
        await self.redraw_conversation()  # chat, timeline and gauge start afresh too
        await self.note("Started a new conversation.")

    async def action_compact(self) -> None:
        try:
            await self.engine.compact()  # the roll's own note in the chat shows the summary
        except RuntimeError as exc:
            self.notify(str(exc), severity="warning")

    async def action_save(self) -> None:
        path = paths.data_dir() / "exports" / time.strftime("conversation-%Y%m%d-%H%M%S.json")
        try:
            write_private(paths.ensure(path.parent) / path.name, to_json(self.engine.context.history, {"model": self.engine.context.model_label}))
        except OSError as exc:
            await self.note(Text(f"Could not write {path}: {exc.strerror or exc}"))
            return
        await self.note(f"Saved to {path}. /load {path} opens it again.")

    async def action_load(self, argument: str = "") -> None:
        if not argument:
            await self.note("Usage: /load PATH (a file written by /save or /export json)")
            return
        try:
            history = from_json(Path(argument).expanduser().read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            await self.note(Text(f"Could not load {argument}: {exc}"))
            return
        try:
            self.engine.load(history.messages)  # saved too: a resume brings back what was loaded
        except RuntimeError as exc:
            self.notify(str(exc), severity="warning")
            return
        await self.redraw_conversation()
        await self.note(f"Loaded {len(history.messages)} messages from {argument}.")

    async def action_export(self, argument: str = "") -> None:
        fmt, _, target = argument.partition(" ")
        fmt = fmt or "md"
        if fmt not in ("md", "json"):
            await self.note("Usage: /export md|json [PATH]")
            return
        history = self.engine.context.history
        ctx = self.engine.context
        segments = ctx.segment_records()
        usage = await ctx.get_token_stats()
        recorder = self.engine.recorder
        title = await asyncio.to_thread(renamed_title, recorder.writer.path) if recorder is not None else None  # given in Ctrl+O
        meta = {"title": title, "model": ctx.model_label, "segments": segments, "usage": usage.summary()}
        text = to_markdown(history, title or "mcp-tui conversation", segments=segments, usage=usage) if fmt == "md" else to_json(history, meta)
        path = Path(target).expanduser() if target else paths.data_dir() / "exports" / time.strftime(f"conversation-%Y%m%d-%H%M%S.{fmt}")
        try:
            write_private(path if target else paths.ensure(path.parent) / path.name, text)
        except OSError as exc:
            await self.note(Text(f"Could not write {path}: {exc.strerror or exc}"))
            return
        await self.note(f"Exported {len(history.messages)} messages to {path}.")

    async def action_toolset(self, argument: str = "") -> None:
        name, _, state = argument.rpartition(" ")
        if state not in ("on", "off") or not name:
            switches = ", ".join(f"{n} {'on' if on else 'off'}" for n, on in self.engine.tool_switches()) or "no servers"
            await self.note(Text(f"Usage: /toolset NAME on|off ({switches})"))
            return
        self.set_tools_on(name, state == "on")

    async def action_roots(self, argument: str = "") -> None:
        verb, _, typed = argument.partition(" ")
        if argument and (verb not in ("add", "remove") or not typed.strip()):
            await self.note(Text("Usage: /roots (list them), /roots add PATH, /roots remove PATH"), "roots")
            return
        if argument:
            message = await change_roots(self.engine, verb, typed.strip())
            await self.note(Text(safe_text(message)), "roots")
            return
        await self.note(roots_listing(self.engine), "roots")

    async def action_show_cost(self) -> None:
        stats = await self.engine.context.get_token_stats()
        threshold = self.engine.context.token_threshold
        await self.note(Text(stats.report(threshold)), "cost")
