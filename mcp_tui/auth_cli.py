"""`mcp-tui auth list` and `mcp-tui auth logout NAME`: the OAuth logins kept on disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mcp_tui.store import oauth_tokens
from mcp_tui.text import safe_text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcp-tui auth", description="OAuth logins to remote MCP servers.")
    p.add_argument("--config", type=Path, help="server config JSON whose server names to use (default: as mcp-tui finds it)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the servers mcp-tui holds a login for")
    out = sub.add_parser("logout", help="forget a server's tokens and registered client")
    out.add_argument("server", help="the server's name in the config, or its URL")
    return p


def _urls_by_name(config: Path | None) -> dict[str, str]:
    from mcp_tui.config.loader import load_servers

    loaded = load_servers(config)
    return {s.name: s.url for s in loaded.servers if s.url}


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    names = _urls_by_name(args.config)
    if args.command == "list":
        kept = oauth_tokens.logged_in()
        if not kept:
            print(f"No OAuth logins kept (they would be in {oauth_tokens.token_dir()}).")
            return 0
        for url, has_token in kept:
            known = [n for n, u in names.items() if u == url]
            state = "logged in" if has_token else "registered, not logged in"
            print(f"{safe_text(', '.join(known) or '(not in the config)'):<24} {state:<26} {safe_text(url)}")
        return 0
    url = names.get(args.server) or (args.server if "://" in args.server else None)
    if url is None:
        print(f"error: no server named {args.server!r} in the config (known: {', '.join(names) or 'none'}); "
              "give its URL instead", file=sys.stderr)
        return 2
    if oauth_tokens.forget(url):
        print(f"Logged out of {safe_text(args.server)}: its tokens and registered client are removed.")
    else:
        print(f"Nothing was kept for {safe_text(args.server)}.")
    return 0
