"""What the prompt offers while a slash command is typed: the commands, then their arguments
(model and provider names, servers, on/off, md/json, file paths); MCP prompts and `@`
resources come from mcp_completions.py. No widgets here."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mcp_tui.ui.commands import BY_NAME, COMMANDS

PATHS_READ = 2000  # entries of one folder looked at: a huge folder must not stall typing
SHOWN = 50


@dataclass(frozen=True)
class Candidate:
    text: str  # the whole prompt once it is chosen
    label: str  # what the list shows
    help: str = ""

    @property
    def goes_on(self) -> bool:
        """More is typed after it (an argument, a file in the folder)."""
        return self.text.endswith((" ", "/"))


class Sources(Protocol):
    def models(self, provider: str | None) -> list[tuple[str, str]]: ...  # (name, note); None: the current provider
    def providers(self) -> list[tuple[str, str]]: ...
    def servers(self) -> list[tuple[str, str]]: ...
    def roots(self) -> list[tuple[str, str]]: ...  # (folder, the servers offered it)
    def prompts(self) -> list: ...  # PromptInfo of ready servers
    def resources(self) -> list: ...  # ResourceInfo
    def templates(self) -> list: ...  # TemplateInfo
    async def values(self, server: str, kind: str, ref: str, argument: str, value: str, context: dict[str, str]) -> list[str]: ...


def complete(text: str, sources: Sources) -> list[Candidate]:
    from mcp_tui.ui import mcp_completions

    if (found := mcp_completions.reference_candidates(text, sources)) is not None:
        return found[:SHOWN]
    if not text.startswith("/") or "\n" in text:
        return []
    name, space, rest = text[1:].partition(" ")
    if not space:
        commands = [
            Candidate(f"/{c.name}" + (" " if " " in c.usage else ""), c.usage, c.help)
            for c in COMMANDS
            if c.name.startswith(name.lower())
        ]
        return (commands + mcp_completions.prompt_names(name, sources))[:SHOWN]
    if (found := mcp_completions.prompt_candidates(text, sources)) is not None:
        return found[:SHOWN]
    command = BY_NAME.get(name.lower())
    argument = ARGUMENTS.get(command.name) if command else None
    return argument(f"/{command.name} ", rest, sources)[:SHOWN] if argument else []


def _names(head: str, typed: str, names: list[tuple[str, str]], after: str = "", label: Callable[[str], str] = str) -> list[Candidate]:
    """Names starting with what is typed, then those containing it."""
    low = typed.lower()
    first = [(n, note) for n, note in names if n.lower().startswith(low)]
    then = [(n, note) for n, note in names if low in n.lower() and not n.lower().startswith(low)]
    return [Candidate(f"{head}{n}{after}", label(n), note) for n, note in first + then]


def _entry(path: str) -> str:
    """A path's last part, as the list shows it (a folder keeps its /)."""
    return os.path.basename(path.rstrip("/")) + ("/" if path.endswith("/") else "")


def _model(head: str, rest: str, sources: Sources) -> list[Candidate]:
    return _names(head, rest, sources.models(None)) if " " not in rest else []


def _provider(head: str, rest: str, sources: Sources) -> list[Candidate]:
    provider, space, model = rest.partition(" ")
    if not space:
        return _names(head, provider, sources.providers(), after=" ")
    return _names(f"{head}{provider} ", model, sources.models(provider)) if " " not in model else []


def _toolset(head: str, rest: str, sources: Sources) -> list[Candidate]:
    server, space, state = rest.rpartition(" ")
    if not space:
        return _names(head, state, sources.servers(), after=" ")
    return _names(f"{head}{server} ", state, [("on", "offer its tools"), ("off", "keep them from the model")])


def _roots(head: str, rest: str, sources: Sources) -> list[Candidate]:
    verb, space, path = rest.partition(" ")
    if not space:
        return _names(head, verb, [("add", "offer a folder to the servers"), ("remove", "stop offering one")], after=" ")
    if verb == "add":
        return _names(f"{head}add ", path, paths(path), label=_entry)
    return _names(f"{head}remove ", path, sources.roots()) if verb == "remove" else []


def _server(head: str, rest: str, sources: Sources) -> list[Candidate]:
    return _names(head, rest, sources.servers()) if " " not in rest else []


def _log_level(head: str, rest: str, sources: Sources) -> list[Candidate]:
    from mcp_tui.config.models import LOG_LEVELS

    server, space, level = rest.rpartition(" ")
    if not space:
        return _names(head, level, sources.servers(), after=" ")
    return _names(f"{head}{server} ", level, [(lv, "default" if lv == "warning" else "") for lv in LOG_LEVELS])


def _load(head: str, rest: str, sources: Sources) -> list[Candidate]:
    return _names(head, rest, paths(rest), label=_entry)


def _export(head: str, rest: str, sources: Sources) -> list[Candidate]:
    fmt, space, target = rest.partition(" ")
    if not space:
        return _names(head, fmt, [("md", "Markdown"), ("json", "JSON, /load reads it")], after=" ")
    return _names(f"{head}{fmt} ", target, paths(target), label=_entry)


def paths(typed: str) -> list[tuple[str, str]]:
    """Entries of the folder `typed` is in, spelled as typed (~ kept); folders end in /.
    Hidden ones only when a dot is typed."""
    folder, part = os.path.split(typed)
    base = os.path.expanduser(folder) if folder else "."
    try:
        with os.scandir(base) as entries:
            found = [e for e in itertools.islice(entries, PATHS_READ) if e.name.startswith(part) and (part.startswith(".") or not e.name.startswith("."))]
    except OSError:
        return []
    prefix = typed[: len(typed) - len(part)]
    out = []
    for entry in sorted(found, key=lambda e: e.name):
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        out.append((prefix + entry.name + ("/" if is_dir else ""), "folder" if is_dir else ""))
    return out


ARGUMENTS: dict[str, Callable[[str, str, Sources], list[Candidate]]] = {
    "model": _model,
    "provider": _provider,
    "toolset": _toolset,
    "log": _server,
    "loglevel": _log_level,
    "load": _load,
    "roots": _roots,
    "export": _export,
}


class EngineSources:
    """Sources read from the running engine (None while it starts) and chuk-llm's catalog."""

    def __init__(self, engine: Callable[[], object]) -> None:
        self._engine = engine

    def models(self, provider: str | None) -> list[tuple[str, str]]:
        from mcp_tui.llm.catalog import provider_info

        engine = self._engine()
        current = engine.llm.provider if engine is not None else None
        info = provider_info(provider or current) if (provider or current) else None
        if info is None:
            return []
        names = list(info.models)
        if engine is not None and info.name == current and engine.llm.model not in names:
            names.insert(0, engine.llm.model)
        return [(n, "default" if n == info.default_model else "") for n in names]

    def providers(self) -> list[tuple[str, str]]:
        return [(p.name, f"needs {p.key_env}" if not p.has_key else "") for p in known_providers(self._engine())]

    def servers(self) -> list[tuple[str, str]]:
        engine = self._engine()
        switches = engine.tool_switches() if engine is not None else []
        return [(name, "tools on" if on else "tools off") for name, on in switches]

    def roots(self) -> list[tuple[str, str]]:
        engine = self._engine()
        found = engine.host.session_roots.by_folder(engine.server_configs) if engine is not None else {}
        return [(str(path), ", ".join(names)) for path, names in found.items()]
    def prompts(self) -> list:
        engine = self._engine()
        return engine.servers.prompts() if engine is not None else []

    def resources(self) -> list:
        engine = self._engine()
        return engine.servers.resources() if engine is not None else []

    def templates(self) -> list:
        engine = self._engine()
        return engine.servers.templates() if engine is not None else []

    async def values(self, server: str, kind: str, ref: str, argument: str, value: str, context: dict[str, str]) -> list[str]:
        """The server's completion/complete; nothing when it cannot (or is not ready)."""
        import mcp_types as types

        from mcp_tui.servers.catalog import CatalogError

        engine = self._engine()
        if engine is None:
            return []
        reference = types.PromptReference(name=ref) if kind == "prompt" else types.ResourceTemplateReference(uri=ref)
        try:
            return await engine.servers.complete(server, reference, argument, value, context)
        except CatalogError:
            return []


def known_providers(engine) -> list:
    """chuk-llm's providers; the one started with --api-key counts as having its key."""
    from mcp_tui.llm.catalog import providers

    settings = getattr(engine, "settings", None)
    keyed = (settings.provider or "openai") if settings is not None and settings.api_key else None
    return providers(keyed=keyed)
