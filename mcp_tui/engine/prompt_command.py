"""`/server:prompt name=value …`: an MCP prompt typed as a slash command (in the TUI, or as the
headless --prompt), parsed and checked against the prompt's definition before anything is
asked of the server."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from mcp_tui.servers.catalog import PromptInfo

# "/server:prompt" at the start; the rest is arguments
PROMPT_COMMAND = re.compile(r"^/([A-Za-z0-9_.-]+):(\S+)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class PromptCall:
    prompt: PromptInfo
    arguments: dict[str, str]


def usage(prompt: PromptInfo) -> str:
    """/server:name city=… [state=…]"""
    args = [f"{a.name}=…" if a.required else f"[{a.name}=…]" for a in prompt.arguments]
    return " ".join([f"/{prompt.server}:{prompt.name}", *args])


def split_arguments(rest: str) -> list[str]:
    """The words of what follows the command, quotes as a shell reads them; raises ValueError."""
    return shlex.split(rest)


def parse_prompt_command(text: str, prompts: list[PromptInfo]) -> PromptCall | str | None:
    """None when `text` is no /server:prompt; a message for the user when it cannot run; else the call."""
    match = PROMPT_COMMAND.match(text.strip())
    if match is None:
        return None
    server, name, rest = match.group(1), match.group(2), match.group(3) or ""
    prompt = next((p for p in prompts if p.server == server and p.name == name), None)
    if prompt is None:
        if not any(p.server == server for p in prompts):
            return f"No prompts from a server called {server} (is it ready?). /prompts lists what there is."
        return f"{server} has no prompt called {name}. /prompts lists them."
    try:
        words = split_arguments(rest)
    except ValueError as exc:  # an unclosed quote
        return f"Could not read the arguments ({exc}). Quote values with spaces: {usage(prompt)}"
    known = {a.name for a in prompt.arguments}
    arguments: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            return f"Arguments are NAME=VALUE; {word!r} is not. Usage: {usage(prompt)}"
        if key not in known:
            names = ", ".join(sorted(known)) or "none"
            return f"{prompt.server}:{prompt.name} has no argument {key!r} (it takes: {names}). Usage: {usage(prompt)}"
        arguments[key] = value
    missing = [a for a in prompt.arguments if a.required and not arguments.get(a.name)]
    if missing:
        said = "; ".join(f"{a.name} ({a.description})" if a.description else a.name for a in missing)
        return f"{prompt.server}:{prompt.name} needs {said}. Usage: {usage(prompt)}"
    return PromptCall(prompt, arguments)
