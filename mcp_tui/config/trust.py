"""Workspace trust: a server config found in the working folder (not named by --config, not
in the user's config folder) may come from a cloned repository, and its commands would run
as the user. It is shown and approved once per file and content; the approvals are kept in
the user data folder. VS Code and Claude Code ask the same before a project's MCP config."""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
from pathlib import Path

from pydantic import BaseModel

from mcp_tui import paths
from mcp_tui.config.models import ServerConfig
from mcp_tui.logsetup import mask_secrets
from mcp_tui.store.private_file import write_private
from mcp_tui.text import safe_text

log = logging.getLogger(__name__)
FILE = "trusted-configs.json"


class TrustRequest(BaseModel):
    """What the user is asked to approve: the file, its content hash and what it would run."""

    path: Path
    digest: str
    runs: list[str]  # one line per server, already cleaned for display

    def describe(self) -> str:
        lines = [f"{self.path} is in the working folder and would start:"]
        lines += [f"  {line}" for line in self.runs] or ["  (no servers)"]
        return "\n".join(lines)


def needs_trust(path: Path | None, *, explicit: bool, cwd: Path | None = None, user_dir: Path | None = None) -> bool:
    """True for a config that was found in the working folder rather than chosen by the user."""
    if path is None or explicit:
        return False
    user_dir = paths.config_dir() if user_dir is None else Path(user_dir)
    cwd = Path.cwd() if cwd is None else Path(cwd)
    folder = path.resolve().parent
    return folder == cwd.resolve() and folder != user_dir.resolve()


def request_for(path: Path, servers: list[ServerConfig]) -> TrustRequest:
    return TrustRequest(path=path, digest=_digest(path), runs=[_what_it_runs(s) for s in servers])


def is_trusted(request: TrustRequest) -> bool:
    return _load().get(str(request.path.resolve())) == request.digest


def remember(request: TrustRequest) -> None:
    """Keep the approval; a failing disk only means the question comes again next time."""
    table = _load()
    table[str(request.path.resolve())] = request.digest
    target = paths.ensure(paths.data_dir()) / FILE
    try:
        write_private(target, json.dumps(table, indent=1))
    except OSError as exc:
        log.warning("could not remember the trusted config %s: %s", request.path, exc)


def _load() -> dict[str, str]:
    try:
        table = json.loads((paths.data_dir() / FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _what_it_runs(server: ServerConfig) -> str:
    """The command line (or URL) of one server; env values are not shown (they may be secrets)."""
    if server.transport == "stdio":
        target = shlex.join([server.command or "?", *server.args])
    else:
        target = f"{server.transport} {server.url}"
    extra = f"  (env: {', '.join(sorted(server.env))})" if server.env else ""
    return safe_text(mask_secrets(f"{server.name}: {target}{extra}"))
