"""Servers' log messages in the TUI (mixed into the App): the per-server log view, /log and
/loglevel, live updates of an open view, and one toast per server for its first error."""

from __future__ import annotations

from rich.text import Text

from mcp_tui.models.events import ServerLogged
from mcp_tui.ui.screens.server_log import ServerLogScreen
from mcp_tui.ui.widgets.sidebar import ServerList


class ServerLogActions:
    _log_toasted: set[str] | None = None  # servers whose first error was already toasted

    def server_names(self) -> list[str]:
        return [s.name for s in self.engine.servers.statuses()] if self.engine is not None else []

    def open_server_log(self, name: str) -> None:
        found = self.engine.servers.messages(name) if self.engine is not None else []
        if not found:
            self.notify(f"No server is called {name}.", severity="warning", markup=False)
            return
        messages = found[0]
        notes = [messages.hidden_note()] if messages.hidden_note() else []
        self.push_screen(
            ServerLogScreen(
                name, messages.entries, level=messages.level, logging=messages.logging, received=messages.received,
                notes=notes, stderr=self.engine.servers.stderr_tail(name),
            )
        )

    def on_server_list_log_requested(self, message: ServerList.LogRequested) -> None:
        # By name: Textual's @on is collected only from the App class itself, not from a mixin.
        self.open_server_log(message.name)

    async def action_server_log(self, argument: str = "") -> None:
        name = argument.strip()
        if name:
            self.open_server_log(name)
        else:
            await self.note(Text(f"Usage: /log SERVER ({', '.join(self.server_names()) or 'no servers'})"))

    async def action_log_level(self, argument: str = "") -> None:
        from mcp_tui.config.models import LOG_LEVELS

        name, _, level = argument.strip().rpartition(" ")
        if not name or level not in LOG_LEVELS:
            await self.note(Text(f"Usage: /loglevel SERVER LEVEL, LEVEL one of {', '.join(LOG_LEVELS)} (servers: {', '.join(self.server_names()) or 'none'})"))
            return
        try:
            await self.engine.set_log_level(name, level)
        except KeyError:
            self.notify(f"No server is called {name}.", severity="warning", markup=False)
            return
        except Exception as exc:  # the server refused: its log stays as it was
            self.notify(f"{name} did not take the level: {exc}", severity="error", markup=False)
            return
        messages = self.engine.servers.messages(name)[0]
        said = f"{name} now sends log messages at {level} and above." if messages.logging else f"{name} does not send log messages; {level} is kept for its next start."
        self.notify(said, markup=False)

    def server_logged(self, event: ServerLogged) -> None:
        screen = self.screen
        if isinstance(screen, ServerLogScreen) and screen.server == event.server and screen.is_mounted:
            screen.add(event)
        if self._log_toasted is None:
            self._log_toasted = set()
        if event.is_error and event.server not in self._log_toasted:
            self._log_toasted.add(event.server)
            first = event.text.strip().splitlines()[0][:200] if event.text.strip() else ""
            self.notify(
                f"{event.server} logged {event.level}: {first} — /log {event.server} or v on its row shows its log.",
                severity="error", timeout=8, markup=False,
            )
