"""Command line: parse flags, pick the config, start the TUI or the headless runner."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from mcp_tui import __version__
from mcp_tui.models.approval import ApprovalMode, ElicitMode


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mcp-tui",
        description="A terminal chat with an LLM that calls the tools of MCP servers.",
    )
    p.add_argument(
        "--provider",
        help="chuk-llm provider: openai, anthropic, ollama, groq, gemini, mistral, …, or local / demo "
        "(env MCP_TUI_PROVIDER; default: picked as --doctor explains)",
    )
    p.add_argument("--model", help="model name (env MCP_TUI_MODEL); default: the provider's default")
    p.add_argument("--api-base", help="base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--api-key", help="API key (wins over the provider's environment variable)")
    p.add_argument("--config", type=Path, help="server config JSON (mcp-cli, Claude Desktop or VS Code format)")
    p.add_argument("--trust-config", action="store_true", help="start the servers of a server_config.json found in the working folder without asking (remembered for that file and content)")
    p.add_argument("--server", help="comma-separated server names to start (default: all in the config)")
    p.add_argument("--prompt", help='run one turn headless and print the answer; "-" reads the prompt from stdin')
    p.add_argument("--json", action="store_true", help="with --prompt: print every event as one JSON line")
    p.add_argument(
        "--approve",
        choices=[m.value for m in ApprovalMode],
        help="which tools run without asking: auto (all), readonly (tools marked read-only), never, "
        "ask (read-only run, others are asked; the TUI default). Headless default: readonly",
    )
    p.add_argument(
        "--elicit",
        choices=[m.value for m in ElicitMode],
        default=ElicitMode.DECLINE.value,
        help="with --prompt: how a server's question (MCP elicitation) is answered, as nobody is there to fill "
        "its form: decline (default), cancel, or accept-defaults (the form's defaults; declined when a required "
        "field has none). One line on stderr says what was asked and answered. The TUI always asks you",
    )
    p.add_argument("--token-threshold", type=int, default=150_000, help="tokens per segment before it rolls (default 150000)")
    p.add_argument("--max-rounds", type=int, default=25, help="tool-call rounds per turn (default 25)")
    p.add_argument("--max-tools", type=int, default=128, help="most tools offered in one request; more are left out, whole servers in config order, and you are told which (default 128, OpenAI's limit; 0: no cap)")
    p.add_argument("--tool-timeout", type=float, default=120.0, help="seconds before a tool call times out (default 120)")
    p.add_argument("--stream-timeout", type=float, default=60.0, help="seconds of silence in the middle of an answer before the turn fails, the partial answer kept (default 60)")
    p.add_argument("--system-prompt", help="replace the default system prompt")
    p.add_argument("--resume", nargs="?", const="", metavar="ID", help="continue the latest session, or the one with this id")
    p.add_argument("--list-sessions", action="store_true", help="print saved sessions: id, date, title, model, tokens")
    p.add_argument("--export", metavar="ID", help="write a saved session (all segments, tool calls and results)")
    p.add_argument("--format", choices=["md", "json"], default="md", help="with --export: md (default) or json")
    p.add_argument("--output", type=Path, help="with --export: file to write (default: stdout)")
    p.add_argument("--doctor", action="store_true", help="explain the provider, servers, config files and folders the app would use, then exit")
    p.add_argument("--version", action="version", version=f"mcp-tui {__version__}")
    p.epilog = ("mcp-tui install-local installs the tiny offline model (plain chat, no tools). "
                "mcp-tui auth list | logout NAME shows or forgets OAuth logins to remote servers.")
    return p


def settings_from(args: argparse.Namespace, *, headless: bool):
    from pydantic import SecretStr

    from mcp_tui.config.settings import Settings

    approve = args.approve or (ApprovalMode.READONLY.value if headless else ApprovalMode.ASK.value)
    return Settings(
        provider=args.provider,
        model=args.model,
        api_base=args.api_base,
        api_key=SecretStr(args.api_key) if args.api_key else None,
        config_path=args.config,
        trust_config=args.trust_config,
        only_servers=[s.strip() for s in args.server.split(",") if s.strip()] if args.server else None,
        approve=ApprovalMode(approve),
        elicit=ElicitMode(args.elicit),
        token_threshold=args.token_threshold,
        max_rounds=args.max_rounds,
        max_tools=args.max_tools,
        tool_timeout=args.tool_timeout,
        stream_idle_timeout=args.stream_timeout,
        system_prompt=args.system_prompt,
    )


def resolve_settings(settings, args, *, full: bool = False, resume=None):
    """Settings talking to the provider the flags, the resumed session, the environment or
    the machine give."""
    from mcp_tui.llm.resolve import Flags, Saved, resolve

    flags = Flags(provider=args.provider, model=args.model, api_base=args.api_base, api_key_given=bool(args.api_key))
    saved = Saved.from_meta(resume.session_id, resume.meta) if resume is not None else None
    return settings.resolved(resolve(flags, full=full, saved=saved, default=saved_provider()))


def saved_provider():
    """The default provider/model of settings.toml, for the resolution (flags and env win)."""
    from mcp_tui.config.preferences import read, settings_path
    from mcp_tui.llm.resolve import Default

    prefs, _ = read()  # a damaged file reads as empty; the engine's notice names it
    return Default(provider=prefs.provider, model=prefs.model, api_base=prefs.api_base, where=str(settings_path())) if prefs.provider else None


def load_config(settings, confirm=None):
    """The configured servers, or the bundled ones when there is no config at all.
    A config found in the working folder starts only once trusted: by --trust-config, an
    earlier approval of the same content, or `confirm(request)` (the TUI asks); otherwise its
    servers are left out and `loaded.untrusted` says why. Returns (loaded, bundled)."""
    from mcp_tui.config.loader import load_servers
    from mcp_tui.logsetup import add_secrets

    loaded = load_servers(settings.config_path, only=settings.only_servers)
    add_secrets(loaded.secret_values())  # also secrets expanded into urls and args
    if loaded.files_read:
        _check_trust(loaded, settings, confirm)
    if loaded.files_read or loaded.issues or settings.only_servers:
        return loaded, False
    from mcp_tui import paths
    from mcp_tui.bundled.defaults import default_servers
    from mcp_tui.config.loader import ConfigIssue

    try:
        loaded.servers = default_servers(paths.ensure(paths.data_dir()))
    except OSError as exc:  # an unwritable data folder must not stop the chat (sessions say so too)
        loaded.issues.append(ConfigIssue(message=f"the bundled servers need {paths.data_dir()}, which cannot be written ({exc.strerror or exc}); starting without them", severity="warning"))
    return loaded, True


def _check_trust(loaded, settings, confirm) -> None:
    from mcp_tui.config import trust

    path = loaded.files_read[0]
    if not trust.needs_trust(path, explicit=settings.config_path is not None):
        return
    request = trust.request_for(path, loaded.servers)
    if trust.is_trusted(request):
        return
    if settings.trust_config or (confirm is not None and confirm(request)):
        trust.remember(request)
        return
    loaded.untrusted, loaded.servers = request, []


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["install-local"]:
        from mcp_tui.llm.local_model import install_local

        return install_local()
    if argv[:1] == ["auth"]:
        from mcp_tui.auth_cli import main as auth_main

        return auth_main(argv[1:])
    args = build_parser().parse_args(argv)
    from mcp_tui.logsetup import setup_logging

    log_path = setup_logging()
    if args.list_sessions:
        from mcp_tui.sessions_cli import print_sessions

        return print_sessions()
    if args.export:
        from mcp_tui.sessions_cli import export_session

        return export_session(args.export, args.format, args.output)
    resume = None
    if args.resume is not None:
        from mcp_tui.store.session_listing import find_session

        resume = find_session(args.resume or None)
        if resume is None:
            what = f"no saved session matches {args.resume!r}" if args.resume else "there is no saved session yet"
            print(f"error: {what}; mcp-tui --list-sessions shows them", file=sys.stderr)
            return 2
        from mcp_tui.sessions_cli import report_damage

        report_damage(resume.warnings)
    headless = args.prompt is not None
    if not headless and not args.doctor:
        from mcp_tui.ui.app import run_app

        settings = settings_from(args, headless=False)
        return run_app(tui_starter(args, settings, resume), settings.token_threshold, log_path, resume)
    settings = resolve_settings(settings_from(args, headless=headless), args, full=args.doctor, resume=resume)
    loaded, bundled = load_config(settings)
    if args.doctor:
        from mcp_tui.doctor import print_doctor

        return print_doctor(settings.resolution, loaded, bundled, log_path, api_key=settings.api_key)
    return _run_headless(args, settings, loaded, resume)


def tui_starter(args, settings, resume):
    """What the TUI runs in a thread after its first frame: pick the provider, read the
    config (asking through `confirm` before a working-folder config runs anything), build
    the engine (the heavy imports happen here). Returns (engine, notices)."""

    def start(confirm=None):
        from mcp_tui.engine.chat_engine import ChatEngine

        resolved = resolve_settings(settings, args, resume=resume)
        loaded, _ = load_config(resolved, confirm)
        notices = [str(issue) for issue in loaded.issues] + (resume.warnings if resume else [])
        notices += [resolved.resolution.note] if resolved.resolution.note else []
        if loaded.untrusted is not None:
            notices.append(f"{loaded.untrusted.path} was not trusted: its servers were not started. "
                           "Restart mcp-tui to be asked again, or pass --config to choose a file yourself.")
        return ChatEngine(resolved, loaded.servers, resume=resume), notices

    return start


def _run_headless(args, settings, loaded, resume) -> int:
    from mcp_tui.engine.chat_engine import ChatEngine
    from mcp_tui.headless import run_headless

    for issue in loaded.issues:
        print(f"config {issue.severity}: {issue}", file=sys.stderr)
    if loaded.untrusted is not None:
        print(f"error: {loaded.untrusted.describe()}\n"
              "It is not trusted yet, so nothing was started. Read it, then run again with --trust-config "
              "(remembered for this content), or name a config yourself with --config.", file=sys.stderr)
        return 2
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print("error: the prompt is empty", file=sys.stderr)
        return 2
    chosen = settings.resolution
    if chosen is not None and chosen.note:  # the resumed session's own provider could not be used
        from mcp_tui.text import safe_text

        print(f"mcp-tui: {safe_text(chosen.note)}", file=sys.stderr)
    elif chosen is not None and chosen.kind not in ("flags", "env"):  # say what the machine picked
        why = next(s.detail for s in chosen.steps if s.chosen)
        name = chosen.label or f"{chosen.provider}/{chosen.model or 'its default model'}"
        print(f"mcp-tui: using {name} ({why}); mcp-tui --doctor explains", file=sys.stderr)
    engine = ChatEngine(settings, loaded.servers, resume=resume)
    try:
        return asyncio.run(run_headless(engine, prompt, json_mode=args.json))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
