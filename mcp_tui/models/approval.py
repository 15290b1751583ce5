"""Approval modes and decisions, and the headless answer to a server's question (elicitation),
shared by settings, the engine and the UI (no pydantic here: the command line imports it)."""

from __future__ import annotations

from enum import Enum


class ApprovalMode(str, Enum):
    ASK = "ask"  # read-only tools run; the others are asked about (denied when nobody can answer)
    AUTO = "auto"  # everything runs
    READONLY = "readonly"  # read-only tools run; the others are denied
    NEVER = "never"  # nothing runs


class Decision(str, Enum):
    RUN = "run"
    TRUST = "trust"  # run, and run this tool without asking for the rest of the session
    ALWAYS_TOOL = "always_tool"  # run, and never ask about this tool again (kept in settings.toml)
    ALWAYS_SERVER = "always_server"  # run, and never ask about any tool of this server again
    DENY = "deny"


class ElicitMode(str, Enum):
    """How the headless face answers a server's question (MCP elicitation); the TUI asks the user."""

    DECLINE = "decline"
    CANCEL = "cancel"
    ACCEPT_DEFAULTS = "accept-defaults"  # the form's defaults; declined when a required field has none
