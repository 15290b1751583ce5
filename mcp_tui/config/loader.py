"""Find and read server_config.json (mcp-cli, Claude Desktop/Cursor or VS Code shape).

Never raises for bad content: every problem becomes a ConfigIssue so the app still
starts, and a server that cannot start as written is kept with `config_error` set.
Issue messages may name keys and variables but never env or header values.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from mcp_tui import paths
from mcp_tui.config.models import LOG_LEVELS, ServerConfig, Transport
from mcp_tui.config.oauth import OAuthConfig
from mcp_tui.config.trust import TrustRequest

FILE_NAME = "server_config.json"
_KNOWN_KEYS = {
    "command", "args", "env", "envFile", "cwd", "url", "headers", "type", "transport", "disabled", "roots", "sampling",
    "oauth", "logLevel",
}
_TRANSPORTS: dict[str, Transport] = {
    "stdio": "stdio", "http": "http", "streamable-http": "http", "streamableHttp": "http",
    "streamable_http": "http", "sse": "sse",
}
_VAR = re.compile(r"\$\$|\$\{([^{}]*)\}")
_PLAIN_VAR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.S)
# Values of such variables expanded into args or a url are secrets too.
_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASS|AUTH|CRED", re.I)


class ConfigIssue(BaseModel):
    """One problem, worded for a user: names the file and the fix."""

    path: Path | None = None
    server: str | None = None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        parts = [str(self.path)] if self.path else []
        if self.server is not None:
            parts.append(f"server '{self.server}'")
        return ": ".join([*parts, self.message])


class LoadedConfig(BaseModel):
    servers: list[ServerConfig] = Field(default_factory=list)
    files_read: list[Path] = Field(default_factory=list)
    issues: list[ConfigIssue] = Field(default_factory=list)
    untrusted: TrustRequest | None = None  # a working-folder config not approved: its servers were left out
    _expanded_secrets: set[str] = PrivateAttr(default_factory=set)

    def secret_values(self) -> set[str]:
        found = {v for s in self.servers for v in s.secret_values()}
        return found | self._expanded_secrets


def find_config_file(
    explicit: Path | None = None, *, cwd: Path | None = None, user_dir: Path | None = None
) -> Path | None:
    """The file to read: `explicit` (even if missing, so the caller reports it), else
    ./server_config.json, else the user config folder's; None when there is none."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if explicit is not None:
        return (cwd / Path(explicit).expanduser()).absolute()
    for folder in (cwd, paths.config_dir() if user_dir is None else Path(user_dir)):
        candidate = folder / FILE_NAME
        if candidate.is_file():
            return candidate.absolute()
    return None


def load_servers(
    explicit: Path | None = None,
    *,
    only: list[str] | None = None,
    cwd: Path | None = None,
    user_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedConfig:
    environ = os.environ if environ is None else environ
    path = find_config_file(explicit, cwd=cwd, user_dir=user_dir)
    if path is None:
        if only:  # asked for servers, yet there is nowhere to find them
            where = f"{Path.cwd() if cwd is None else cwd} or {paths.config_dir() if user_dir is None else user_dir}"
            msg = f"--server given but no {FILE_NAME} found in {where} — create one or pass --config PATH"
            return LoadedConfig(issues=[_issue(None, None, msg)])
        return LoadedConfig()
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        return LoadedConfig(issues=[_issue(path, None, f"config file {what} — check the --config path")])
    ctx = _Context(path, environ)
    table = _read_table(path, ctx.issues)
    servers = [s for name, raw in table.items() if (s := _parse_entry(str(name), raw, ctx))]
    if only is not None:
        servers = _filter(servers, only, list(table), ctx)
    result = LoadedConfig(servers=servers, files_read=[path], issues=ctx.issues)
    result._expanded_secrets = ctx.secrets
    return result


def _issue(path: Path | None, server: str | None, message: str, severity: str = "error") -> ConfigIssue:
    return ConfigIssue(path=path, server=server, message=message, severity=severity)


class _Context:
    """What every entry of one file shares."""

    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path, self.base, self.environ = path, path.parent, environ
        # VS Code's ${workspaceFolder}: the folder holding .vscode/, else the file's folder.
        self.workspace = self.base.parent if self.base.name == ".vscode" else self.base
        self.issues: list[ConfigIssue] = []
        self.secrets: set[str] = set()

    def add(self, server: str | None, message: str, severity: str = "error") -> None:
        self.issues.append(_issue(self.path, server, message, severity))


# ---------------------------------------------------------------- the file


def _read_table(path: Path, issues: list[ConfigIssue]) -> dict[str, Any]:
    """The name -> entry mapping, or {} after recording why not."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        why = f"cannot read the file ({type(exc).__name__}) — check its permissions and encoding"
        issues.append(_issue(path, None, why))
        return {}
    if not text.strip():
        issues.append(_issue(path, None, "the file is empty — no servers configured", "warning"))
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:  # VS Code's mcp.json allows comments and trailing commas
            data = json.loads(_strip_jsonc(text))
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            issues.append(_issue(path, None, f"invalid JSON at {where}: {exc.msg} — fix the syntax there"))
            return {}
    hint = 'expected {"mcpServers": {"name": {"command": ...}}} (or VS Code\'s {"servers": {...}})'
    if not isinstance(data, dict):
        issues.append(_issue(path, None, f"the top level is {_kind(data)}, not an object — {hint}"))
        return {}
    for key in ("mcpServers", "servers"):
        if key in data:
            table = data[key]
            break
    else:
        if isinstance(data.get("mcp"), dict) and "servers" in data["mcp"]:  # VS Code settings.json
            key, table = "mcp.servers", data["mcp"]["servers"]
        else:
            issues.append(_issue(path, None, f'no "mcpServers" or "servers" key — {hint}'))
            return {}
    if not isinstance(table, dict):
        what = f'"{key}" is {_kind(table)}, not an object mapping names to servers'
        issues.append(_issue(path, None, f"{what} — {hint}"))
        return {}
    if "logLevel" in data:  # the default of every entry that names none
        table = {k: {"logLevel": data["logLevel"], **v} if isinstance(v, dict) else v for k, v in table.items()}
    return table


_JSONC_STRING_OR_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|(//[^\n]*|/\*.*?\*/)', re.S)
_JSONC_STRING_OR_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|(,)(?=\s*[}\]])', re.S)


def _strip_jsonc(text: str) -> str:
    # Blank comments and trailing commas with spaces so error positions stay right.
    def blank(m: re.Match) -> str:
        return m.group(1) or re.sub(r"[^\n]", " ", m.group(0))

    return _JSONC_STRING_OR_TRAILING_COMMA.sub(blank, _JSONC_STRING_OR_COMMENT.sub(blank, text))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# ---------------------------------------------------------------- one entry


def oauth_entry(raw: dict | bool | None, expand: _Expander, problems: list[str]) -> OAuthConfig:
    """The "oauth" object, its strings expanded like env values; a wrong key or value is a
    problem that names the key, never the value (it may be a secret)."""
    if raw is None or raw is True:
        return OAuthConfig()
    if raw is False:
        return OAuthConfig(enabled=False)

    def expanded(value: Any) -> Any:
        if isinstance(value, str):
            return expand(value)
        return {k: expanded(v) for k, v in value.items()} if isinstance(value, dict) else value

    try:
        return OAuthConfig.model_validate(expanded(raw))
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "oauth"
        problems.append(f'"oauth" key \'{where}\': {exc.errors()[0]["msg"].lower()} — see the README\'s OAuth keys')
        return OAuthConfig(enabled=False)


def _parse_entry(name: str, raw: Any, ctx: _Context) -> ServerConfig | None:
    if not isinstance(raw, dict):
        ctx.add(name, f"the entry is {_kind(raw)}, not an object — give it a \"command\" or a \"url\"")
        return None
    for key in raw:
        if key not in _KNOWN_KEYS:
            ctx.add(name, f"unknown key '{key}' is ignored — check its spelling", "warning")
    fields = _typed_fields(name, raw, ctx)
    if fields is None:
        return None
    disabled = fields.get("disabled", False)
    problems: list[str] = []
    transport = _transport(fields, problems)
    expand = _Expander(ctx)
    command = expand(fields.get("command"))
    args = [expand(a) for a in fields.get("args", [])]
    url, cwd = expand(fields.get("url")), expand(fields.get("cwd"))
    env = _env_file(expand(fields.get("envFile")), ctx, problems)
    env |= {k: expand(v) for k, v in fields.get("env", {}).items()}  # explicit env wins
    headers = {k: expand(v) for k, v in fields.get("headers", {}).items()}
    roots = fields.get("roots", True)
    if isinstance(roots, list):
        roots = _root_folders([expand(r) for r in roots], name, ctx)
    oauth = oauth_entry(fields.get("oauth"), expand, problems)
    log_level = fields.get("logLevel")
    if log_level is not None and log_level not in LOG_LEVELS:
        ctx.add(name, f'"logLevel" {log_level!r} is not a level — use one of {", ".join(LOG_LEVELS)}; warning is used', "warning")
        log_level = None
    problems[:0] = expand.problems()
    if transport == "stdio":
        if not command:
            problems.append('no "command" (or "url") given — add the program to run')
        else:
            command = _resolve_command(command, env, ctx, problems, name, warn=not disabled)
        if cwd:
            cwd = str((ctx.base / cwd).absolute())  # relative cwd means the config file's folder
            if not Path(cwd).is_dir():
                problems.append(f"working folder {cwd} does not exist — create it or fix \"cwd\"")
    elif not url:
        problems.append(f'transport "{transport}" needs a "url" — add the server\'s address')
    if problems and not disabled:  # a disabled entry is not started, so its problems are not news
        for problem in problems:
            ctx.add(name, problem)
    return ServerConfig(
        name=name, transport=transport, command=command, args=args, env=env, cwd=cwd, url=url,
        headers=headers, disabled=disabled, roots=roots, sampling=fields.get("sampling", False), oauth=oauth,
        log_level=log_level, source=ctx.path, config_error="; ".join(problems) or None,
    )


def _root_folders(given: list[str], name: str, ctx: _Context) -> list[str]:
    """Roots as absolute folders: ~ expanded, a relative one in the config file's folder (as cwd)."""
    folders = []
    for root in given:
        folder = os.path.normpath(ctx.base / Path(root).expanduser())
        if not Path(folder).is_dir():
            ctx.add(name, f"root folder {folder} does not exist — the server is offered it anyway", "warning")
        folders.append(folder)
    return folders


_EXPECTED = {
    "command": (str, "a string"), "cwd": (str, "a string"), "url": (str, "a string"),
    "envFile": (str, "a string"), "type": (str, "a string"), "transport": (str, "a string"), "logLevel": (str, "a string"),
    "disabled": (bool, "true or false"), "sampling": (bool, "true or false"), "args": (list, "a list of strings"),
    "roots": ((list, bool), "a list of folders, or false"),
    "env": (dict, "an object of string values"), "headers": (dict, "an object of string values"),
    "oauth": ((dict, bool), "an object (or false)"),
}


def _typed_fields(name: str, raw: dict, ctx: _Context) -> dict | None:
    """Known keys checked for type; numbers in args/env/headers become strings
    (Claude Desktop accepts them). None, with issues recorded, if any is wrong."""
    fields: dict[str, Any] = {}
    ok = True
    for key, (typ, wanted) in _EXPECTED.items():
        if raw.get(key) is None:  # null means "not given"
            continue
        value = raw[key]
        if not isinstance(value, typ):
            ctx.add(name, f'"{key}" must be {wanted}, not {_kind(value)} — fix that value')
            ok = False
            continue
        if key in ("args", "roots") and isinstance(value, list):
            value = [_scalar(v) for v in value]
            bad = [i + 1 for i, v in enumerate(value) if v is None]
            if bad:
                ctx.add(name, f'"{key}" must be a list of strings; item {bad[0]} is not — quote it')
                ok = False
        elif key in ("env", "headers"):
            value = {str(k): _scalar(v) for k, v in value.items()}
            bad = [k for k, v in value.items() if v is None]
            if bad:
                ctx.add(name, f'"{key}" value for \'{bad[0]}\' must be a string — quote it')
                ok = False
        fields[key] = value
    return fields if ok else None


def _scalar(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _transport(fields: dict, problems: list[str]) -> Transport:
    given = fields.get("type") or fields.get("transport")
    if given is not None:
        if given in _TRANSPORTS:
            return _TRANSPORTS[given]
        problems.append(f'unknown transport "{given}" — use "stdio", "http" (streamable HTTP) or "sse"')
    return "http" if fields.get("url") and not fields.get("command") else "stdio"


class _Expander:
    """${VAR}, ${env:VAR}, ${VAR:-default}, ${workspaceFolder}; $$ and bare $VAR untouched."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.missing: list[str] = []
        self.inputs: list[str] = []
        self.unsupported: list[str] = []

    def __call__(self, text: str | None) -> str | None:
        return None if text is None else _VAR.sub(self._one, text)

    def _one(self, m: re.Match) -> str:
        body, whole = m.group(1), m.group(0)
        if body is None:
            return whole  # "$$" is left alone
        if body == "workspaceFolder":
            return str(self.ctx.workspace)
        if body == "userHome":
            return str(Path.home())
        if body.startswith("input:"):
            self.inputs.append(whole)
            return whole
        plain = _PLAIN_VAR.fullmatch(body.removeprefix("env:"))
        if not plain:
            self.unsupported.append(whole)
            return whole
        var, default = plain.groups()
        if var in self.ctx.environ:
            value = self.ctx.environ[var]
            if _SECRET_NAME.search(var) and value:
                self.ctx.secrets.add(value)
            return value
        if default is not None:
            return default
        self.missing.append(whole)
        return whole

    def problems(self) -> list[str]:
        out = []
        if self.missing:
            names = _join(self.missing)
            it = "it" if len(set(self.missing)) == 1 else "them"
            verb = "is" if it == "it" else "are"
            out.append(f"{names} {verb} not set — export {it} or remove {it} from the entry")
        if self.inputs:
            out.append(f"{_join(self.inputs)}: mcp-tui cannot prompt for VS Code inputs — "
                       "put the value in an environment variable and use ${env:NAME} instead")
        if self.unsupported:
            out.append(f"{_join(self.unsupported)} is not supported — write the value or use ${{env:NAME}}")
        return out


def _join(items: list[str]) -> str:
    return ", ".join(dict.fromkeys(items))


def _env_file(name: str | None, ctx: _Context, problems: list[str]) -> dict[str, str]:
    """Simple KEY=VALUE lines; comments, blanks and an `export ` prefix allowed."""
    if not name:
        return {}
    path = ctx.base / name
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        problems.append(f"envFile {path} cannot be read — create it or fix \"envFile\"")
        return {}
    env: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def _resolve_command(command: str, env: dict, ctx: _Context, problems: list[str], name: str, warn: bool) -> str:
    if "/" in command or os.sep in command:
        path = (ctx.base / command).absolute()  # relative means the config file's folder
        if not path.is_file():
            problems.append(f"command {path} does not exist — fix the path in \"command\"")
        return str(path)
    search = env.get("PATH") or ctx.environ.get("PATH", os.defpath)
    if warn and shutil.which(command, path=search) is None:
        ctx.add(name, f"command '{command}' not found on PATH — install it or give the full path", "warning")
    return command


def _filter(servers: list[ServerConfig], only: list[str], known: list[str], ctx: _Context) -> list[ServerConfig]:
    wanted = {n.strip() for n in only if n.strip()}
    unknown = [n for n in only if n.strip() and n.strip() not in known]
    if unknown:
        names = ", ".join(f"'{n.strip()}'" for n in unknown)
        ctx.add(None, f"--server {names} not in this file — known servers: {', '.join(known) or 'none'}")
    return [s for s in servers if s.name in wanted]
