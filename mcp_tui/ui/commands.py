"""Slash commands (mcp-cli's names) and the command palette, from one table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from mcp_tui.text import safe_text

from mcp_tui.ui import login


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    action: str  # the app action it runs; slash arguments are passed as one string


COMMANDS: list[Command] = [
    Command("tools", "/tools", "list the tools of every ready server", "show_tools"),
    Command("servers", "/servers", "list servers with their state", "show_servers"),
    Command("model", "/model NAME", "switch the model", "set_model"),
    Command("provider", "/provider NAME [MODEL]", "switch the provider", "set_provider"),
    Command("clear", "/clear", "start a new conversation (keeps the system prompt)", "clear"),
    Command("compact", "/compact", "roll the conversation into a new segment now", "compact"),
    Command("save", "/save", "write the conversation to a session file", "save"),
    Command("load", "/load PATH", "open a saved session file", "load"),
    Command("export", "/export md|json [PATH]", "write the conversation as Markdown or JSON", "export"),
    Command("cost", "/cost", "the context, the session's tokens and cost, and where each figure comes from", "show_cost"),
    Command("toolset", "/toolset NAME on|off", "offer a server's tools to the model, or not (this session)", "toolset"),
    Command("roots", "/roots [add|remove PATH]", "the folders servers are offered as roots; add or remove one (this session)", "roots"),
    Command("prompts", "/prompts", "list the servers' prompts; run one as /server:prompt name=value …", "show_prompts"),
    Command("resources", "/resources", "list the servers' resources; attach one to a message with @server:uri", "show_resources"),
    Command("log", "/log SERVER", "a server's log messages and stderr (v on its sidebar row)", "server_log"),
    Command("loglevel", "/loglevel SERVER LEVEL", "the least severe log message a server sends (debug … emergency; default warning)", "log_level"),
    Command("copy", "/copy", "copy the last answer to the clipboard", "copy_answer"),
    Command("help", "/help", "keys and commands", "help"),
    Command("quit", "/quit", "leave mcp-tui", "quit"),
]
BY_NAME = {c.name: c for c in COMMANDS}


def parse_slash(text: str) -> tuple[Command, str] | None:
    """(command, argument string) for a known `/name …`, else None."""
    if not text.startswith("/"):
        return None
    name, _, rest = text[1:].partition(" ")
    command = BY_NAME.get(name.lower())
    return (command, rest.strip()) if command else None


# Palette-only actions that have no slash form.
PALETTE_EXTRA = [
    ("Stop the answer or running tools", "stop", "same as Esc"),
    ("Switch model or provider", "pick_model", "F4 · the models chuk-llm knows, then the other providers"),
    ("Toggle sidebar", "toggle_sidebar", "ctrl+b"),
    ("Focus tool timeline", "focus_timeline", "ctrl+t"),
    ("Browse segments", "segments", "ctrl+g"),
    ("Open a saved session", "sessions", "ctrl+o"),
    ("Focus prompt", "focus_prompt", "ctrl+l"),
    ("Block cursor on the chat (copy, retry, edit, fork)", "chat_cursor", "ctrl+up / alt+up / f6"),
    ("Search the chat", "search", "ctrl+f"),
    ("Restart failed servers", "restart_failed", "restart every failed or exited server"),
    ("Roots offered to servers", "roots", "the folders servers may work in; /roots add|remove PATH changes them"),
    ("Trusted tools…", "trusted_tools", "tools and servers always allowed to run; Delete revokes"),
    ("Keep this model as the default", "keep_model", "the provider and model the next start uses when flags and env name none"),
    ("New line in prompt", "newline", "ctrl+j"),
]
# What cannot be taken back never outranks an equal match (a stray Enter must not run it).
IRREVERSIBLE = {"clear", "compact", "quit"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def rank(query: str, title: str, help_text: str, fuzzy: float, action: str = "") -> float:
    """How well `query` fits an entry: every query word a whole word of the title, then the
    start of one, then a fuzzy match of the title, then words of the help text. `fuzzy` is
    Textual's score for the title (0 to 1)."""
    wanted, words, helps = _words(query), _words(title), _words(help_text)
    if not wanted:
        return 0.0
    if all(w in words for w in wanted):
        score = 1.0
    elif all(any(t.startswith(w) for t in words) for w in wanted):
        score = 0.9
    elif fuzzy > 0:
        score = 0.3 + 0.3 * min(fuzzy, 1.0)
    elif all(any(h.startswith(w) for h in helps) for w in wanted):
        score = 0.2
    else:
        return 0.0
    return score - (0.01 if action in IRREVERSIBLE else 0.0)


class McpTuiCommands(Provider):
    """Every action of the app in the ctrl+p palette: a short title, its description as help."""

    def _entries(self):
        for c in COMMANDS:
            if c.usage.count(" ") == 0:  # commands that need an argument are typed as /name ARG
                yield f"/{c.name}", partial(self.app.run_action, c.action), c.help, c.action
        for title, action, help_text in PALETTE_EXTRA:
            yield title, partial(self.app.run_action, action), help_text, action
        engine = getattr(self.app, "engine", None)
        for name, on in engine.tool_switches() if engine is not None else ():
            # Names come from the config: passed as data, never parsed as an action string.
            verb = "off" if on else "on"
            yield escape(safe_text(f"Tools {verb}: {name}")), partial(self.app.set_tools_on, name, not on), "what the model is offered; the context figure follows", "toolset"
            yield escape(safe_text(f"Server log: {name}")), partial(self.app.open_server_log, name), "its log messages and stderr (v on its sidebar row)", "server_log"
        for prompt in engine.servers.prompts() if engine is not None else ():
            # Server text: the palette reads titles and help as markup ([@click=…] would be a live
            # action), so it is escaped; and it is passed as data, never as an action string.
            title = escape(safe_text(f"Prompt: {prompt.server}:{prompt.name}"))
            about = escape(safe_text(prompt.description or prompt.title or "an MCP prompt"))
            yield title, partial(self.app.start_prompt, prompt.server, prompt.name), about, "prompt"
        for name in login.needing_login(engine):
            yield escape(safe_text(f"Log in to {name}")), partial(login.log_in, self.app, name), "OAuth in the browser; l on the server's row does it too", "log_in"

    async def discover(self) -> Hits:
        for title, callback, help_text, _ in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text, action in self._entries():
            score = rank(query, title, help_text, matcher.match(title), action)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
