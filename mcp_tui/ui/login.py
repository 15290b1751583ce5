"""The TUI's side of a server's OAuth login: nothing opens the browser unasked.

A server that answers 401 shows "needs login" in the sidebar; `l` on its row (or the
palette's "Log in to NAME") allows the login and restarts it. While the browser step waits,
a notice holds the URL, which is also put on the clipboard (a notice cannot be selected).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcp_tui.servers.oauth import graphical_browser
from mcp_tui.text import safe_text

if TYPE_CHECKING:
    from textual.app import App

    from mcp_tui.engine.chat_engine import ChatEngine

NEEDS_LOGIN = "needs-login"
WAIT_NOTICE = 120  # seconds the login URL stays on screen


def attach(app: App, engine: ChatEngine) -> None:
    logins = engine.host.logins
    logins.browser = graphical_browser()  # a console browser would take over the app's terminal
    logins.show = lambda server, url: show_url(app, server, url, opened=logins.browser)


def show_url(app: App, server: str, url: str, *, opened: bool) -> None:
    app.copy_to_clipboard(url)
    where = "Your browser is opening to log in to" if opened else "Open this address in a browser to log in to"
    app.notify(
        f"{where} {safe_text(server)} (copied to the clipboard; waiting for the login):\n{safe_text(url)}",
        title="Log in", timeout=WAIT_NOTICE, markup=False,
    )


def log_in(app: App, name: str) -> None:
    engine: ChatEngine | None = getattr(app, "engine", None)
    status = next((s for s in engine.servers.statuses() if s.name == name), None) if engine else None
    if status is None:
        app.notify(f"No server is called {name}.", severity="warning", markup=False)
        return
    if status.state.value == "starting":
        app.notify(f"{name} is still starting.", markup=False)
        return
    if status.transport == "stdio":
        app.notify(f"{name} runs on this machine (stdio): there is nothing to log in to.", markup=False)
        return
    engine.host.logins.allow(name)
    _pending(app).add(name)
    app.notify(f"Logging in to {name}…", markup=False)
    app.run_worker(engine.restart_server(name), group="servers")


def _pending(app: App) -> set[str]:
    """Servers the user asked to log in to whose outcome is not said yet."""
    if not hasattr(app, "_logins_pending"):
        app._logins_pending = set()
    return app._logins_pending


def server_changed(app: App, name: str, state: str) -> None:
    """Say how a login the user asked for ended (the URL notice may still be up)."""
    pending = _pending(app)
    if name in pending and state != "starting":
        pending.discard(name)
        if state == "ready":
            app.notify(f"Logged in to {safe_text(name)}.", markup=False)


def needing_login(engine: ChatEngine | None) -> list[str]:
    return [s.name for s in engine.servers.statuses() if s.state.value == NEEDS_LOGIN] if engine else []
