"""`mcp-tui --doctor`: every choice the app makes on start, and why, in plain text."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

from mcp_tui import __version__, paths
from mcp_tui.config.loader import FILE_NAME
from mcp_tui.models.provider import Resolution
from mcp_tui.logsetup import mask_secrets
from mcp_tui.text import safe_text

SERVER_CHECK_SECONDS = 15.0


def print_doctor(
    resolution: Resolution, loaded, bundled: bool, log_path: Path, *, check_servers: bool = True, api_key: Any = None
) -> int:
    """`api_key` (str or SecretStr): the --api-key the app would use, if any."""
    out = []
    out.append(f"mcp-tui {__version__} · Python {sys.version.split()[0]} · {sys.executable}")
    out.append("")
    out.append("Provider (first match wins)")
    width = max(len(s.source) for s in resolution.steps)
    for step in resolution.steps:
        mark = "✓" if step.chosen else "·"
        out.append(f"  {mark} {step.source:<{width}}  {mask_secrets(step.detail)}")
    model = resolution.model or "the provider's default model"
    using = resolution.label or f"{resolution.provider} / {model}"
    out.append(f"  → using {using}")
    key = api_key.get_secret_value() if hasattr(api_key, "get_secret_value") else api_key
    out.append(_client_line(resolution, key))
    out.append("")
    out.append("Servers")
    if loaded.files_read:
        out.append("  config read: " + ", ".join(str(p) for p in loaded.files_read))
    else:
        out.append(f"  no {FILE_NAME} in {Path.cwd()} or {paths.config_dir()}")
    if bundled:
        out.append("  using the bundled servers (a config file replaces them; see the README)")
    for issue in loaded.issues:
        out.append(f"  {issue.severity}: {mask_secrets(str(issue))}")
    if loaded.untrusted is not None:
        out.append("  not trusted yet, so nothing of it would start: " + loaded.untrusted.describe().replace("\n", "\n  "))
        out.append("  the app asks before starting it; headless needs --trust-config")
    states = _server_states(loaded.servers) if check_servers and loaded.servers else {}
    for server in loaded.servers:
        where = server.url or shlex.join([server.command or "?", *server.args])
        out.append(f"  {server.name:<12} {mask_secrets(where)}")
        if server.env:
            out.append(f"  {'':<12} env: {', '.join(sorted(server.env))} (values hidden)")
        if server.name in states:
            out.append(f"  {'':<12} {states[server.name]}")
    out.append("")
    out.append("Places")
    out.append(f"  config dir  {paths.config_dir()}")
    out.append(f"  data dir    {paths.data_dir()} (sessions in sessions/)")
    out.append(f"  log file    {log_path}")
    print(safe_text("\n".join(out)))
    return 0


def _client_line(resolution: Resolution, api_key: str | None) -> str:
    """Build the chosen provider's client as the app would (no request is sent): a missing
    key, an unknown provider or a client chuk-llm cannot make shows here, not at the first message."""
    from pydantic import SecretStr

    from mcp_tui.llm.adapter import LLMAdapter, LLMSettings
    from mcp_tui.llm.errors import ProviderError
    from mcp_tui.logsetup import add_secrets

    add_secrets([api_key] if api_key else [])
    add_secrets(value for name, value in os.environ.items() if name.endswith(("_API_KEY", "_TOKEN")))
    api_base = resolution.api_base
    if resolution.kind == "local":  # the app gives it the address and key of the server it starts
        api_base, api_key = "http://127.0.0.1/v1", "local"
    settings = LLMSettings(provider=resolution.provider, model=resolution.model, api_base=api_base, api_key=SecretStr(api_key) if api_key else None)
    llm, tried = LLMAdapter(settings), []
    try:
        with _no_network(tried):
            client = llm._build_client()
    except Exception as exc:
        if tried:
            return f"  client: not built here: making {llm.provider}'s client already contacts the provider, which --doctor does not do"
        reason = exc.message if isinstance(exc, ProviderError) else f"{type(exc).__name__}: {exc}"
        return f"  client: cannot be built: {mask_secrets(reason.rstrip('. '))}, so the app would fail at the first message"
    return f"  client: ready ({type(client).__name__})"


@contextlib.contextmanager
def _no_network(tried: list):
    """Any connection (or name lookup) while the client is made fails, and is noted in `tried`."""
    saved = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("mcp-tui --doctor sends no request")

    socket.getaddrinfo = socket.socket.connect = socket.socket.connect_ex = refuse
    try:
        yield
    finally:
        socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex = saved


def _server_states(servers) -> dict[str, str]:
    """Start every server once and report how far it got."""
    from mcp_tui.servers import ServerManager

    async def check() -> dict[str, str]:
        manager = ServerManager(servers)
        try:
            await manager.start()
            await manager.wait_settled(SERVER_CHECK_SECONDS)
            found = {}
            for status in manager.statuses():
                text = f"{status.state.value}, {status.tool_count} tools" if status.state.value == "ready" else status.state.value
                found[status.name] = text + (f" — {mask_secrets(status.reason)}" if status.reason else "")
            return found
        finally:
            await manager.aclose()

    return asyncio.run(check())
