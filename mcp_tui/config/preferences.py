"""The user's preferences, kept in one TOML file in the config folder (settings.toml):
the theme, the default provider and model, and the tools and servers always allowed to
run. Flags and environment variables win over it. The file is read with the stdlib's
tomllib and written back whole (0600, atomically) when a preference changes; a damaged
file is ignored, named in a note, and never overwritten (it may hold the user's edits)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from mcp_tui import paths
from mcp_tui.logsetup import mask_secrets
from mcp_tui.text import safe_text

FILE = "settings.toml"
HEADER = "# mcp-tui preferences (README: Preferences). Flags and environment variables win over these.\n"


class AllowRule(BaseModel):
    """A standing answer "always allow": one tool of a server, or every tool of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    server: str
    tool: str | None = None  # None: every tool of the server

    def covers(self, server: str, tool: str) -> bool:
        return self.server == server and self.tool in (None, tool)

    @property
    def label(self) -> str:
        return safe_text(f"{self.server}.{self.tool}" if self.tool is not None else f"{self.server} (every tool)")


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is named, not silently dropped
    theme: str | None = None
    provider: str | None = None
    model: str | None = None
    api_base: str | None = None  # an OpenAI-compatible server's URL, with provider
    always_allow: list[AllowRule] = []


class NotSaved(Exception):
    """The preferences could not be written; the message says why and what to do."""


def settings_path() -> Path:
    return paths.config_dir() / FILE


def read(path: Path | None = None) -> tuple[Preferences, str | None]:
    """The preferences in the file (defaults when there is none), and the problem that made
    them unusable, if any."""
    path = settings_path() if path is None else path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Preferences.model_validate(data), None
    except FileNotFoundError:
        return Preferences(), None
    except OSError as exc:
        return Preferences(), f"{path} could not be read ({exc.strerror or exc}): preferences ignored."
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValidationError) as exc:
        why = _first_line(exc)
        return Preferences(), (f"{path} is damaged ({why}): preferences and always-allowed tools ignored. "
                               "Fix or delete the file; until then nothing is saved to it.")


_lock = threading.Lock()  # one read-change-write at a time (the UI saves from worker threads)


def update(change: Callable[[Preferences], Preferences], path: Path | None = None) -> Preferences:
    """Read the file, apply `change`, write the result back. Reading first keeps what another
    mcp-tui wrote meanwhile; `change` is called under the lock, so it may read live values."""
    path = settings_path() if path is None else path
    with _lock:
        prefs, problem = read(path)
        if problem:
            raise NotSaved(problem)
        new = change(prefs)
        try:
            _write(path, to_toml(new))
        except (OSError, UnicodeError) as exc:
            raise NotSaved(f"{path} could not be written ({getattr(exc, 'strerror', None) or exc}).") from exc
        return new


def to_toml(prefs: Preferences) -> str:
    lines = [HEADER]
    for key in ("theme", "provider", "model", "api_base"):
        value = getattr(prefs, key)
        if value is not None:
            lines.append(f"{key} = {_string(value)}\n")
    for rule in prefs.always_allow:
        lines.append(f"\n[[always_allow]]\nserver = {_string(rule.server)}\n")
        if rule.tool is not None:
            lines.append(f"tool = {_string(rule.tool)}\n")
    return "".join(lines)


def _string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also wants DEL escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _write(path: Path, text: str) -> None:
    paths.ensure(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)  # a crash leaves the old file or the new one, never half of one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def holds_credentials(url: str) -> bool:
    """A URL with a user, a password, a query or a known secret in it is never written here."""
    parts = urlsplit(url)
    return bool(parts.username or parts.password or parts.query) or mask_secrets(url) != url


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return safe_text(f"{where}: {'unknown key' if error['type'] == 'extra_forbidden' else error['msg']}")
    return safe_text(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


class SavedTrust:
    """The always-allow rules of the settings file, as this session knows them. Changes go
    through `update`, so rules another instance added meanwhile are kept."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        prefs, self.problem = read(path)
        self.rules: list[AllowRule] = list(prefs.always_allow)

    def allows(self, server: str, tool: str) -> bool:
        return any(rule.covers(server, tool) for rule in self.rules)

    def add(self, rule: AllowRule) -> None:
        """Raises NotSaved; blocking (file I/O): call it from a thread."""

        def change(prefs: Preferences) -> Preferences:
            rules = prefs.always_allow if rule in prefs.always_allow else [*prefs.always_allow, rule]
            return prefs.model_copy(update={"always_allow": rules})

        self.rules = list(update(change, self.path).always_allow)

    def remove(self, rule: AllowRule) -> None:
        """Raises NotSaved; blocking (file I/O): call it from a thread."""
        new = update(lambda p: p.model_copy(update={"always_allow": [r for r in p.always_allow if r != rule]}), self.path)
        self.rules = list(new.always_allow)
