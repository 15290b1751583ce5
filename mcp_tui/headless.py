"""The headless face: `mcp-tui --prompt "…"` runs one turn on the same engine.

The answer streams to stdout; the model's thinking and one line per tool call go to stderr;
`--json` prints every event as one JSON line on stdout instead. Exit 0 on success, 1 on
failure or when the model refused, 130 when interrupted.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import TextIO

from mcp_tui.engine.chat_engine import ChatEngine
from mcp_tui.engine.mcp_input import InputError, line_input
from mcp_tui.engine.tool_runner import short_arguments
from mcp_tui.models.events import (
    ElicitationAnswered,
    ElicitationCompleted,
    Event,
    ReasoningDelta,
    SamplingHandled,
    SavingChanged,
    SegmentRolled,
    ServerLogged,
    ServerStateChanged,
    TextDelta,
    ToolCallFailed,
    ToolCallFinished,
    ToolCallRequested,
    ToolSchemasLarge,
    ToolsLeftOut,
    TurnFailed,
    TurnFinished,
    UsageUpdated,
)
from mcp_tui.models.messages import stop_hint
from mcp_tui.text import safe_text


class HeadlessPrinter:
    def __init__(self, *, json_mode: bool, out: TextIO, err: TextIO) -> None:
        self.json_mode, self.out, self.err = json_mode, out, err
        self._ended_with_newline = True
        self._thinking = False  # a thinking line is open on stderr
        self._arguments: dict[str, str] = {}  # call id -> short arguments, for its one stderr line

    def __call__(self, event: Event) -> None:
        if isinstance(event, ElicitationAnswered):  # a policy answered for the user: always said on stderr
            self._line(elicitation_line(event))
        if self.json_mode:
            self.out.write(event.model_dump_json() + "\n")
            self.out.flush()
            return
        if isinstance(event, ReasoningDelta):  # thinking goes to stderr: stdout stays the answer
            if not self._thinking:
                self.err.write("thinking: ")
                self._thinking = True
            self.err.write(safe_text(event.text))
            self.err.flush()
            return
        if self._thinking and not isinstance(event, (UsageUpdated, ServerStateChanged, ServerLogged)):
            self.err.write("\n")
            self._thinking = False
        if isinstance(event, TextDelta):
            # Also when piped: the file or pager shows it on a terminal later (--json is exact).
            text = safe_text(event.text)
            self.out.write(text)
            self.out.flush()
            self._ended_with_newline = text.endswith("\n")
        elif isinstance(event, ToolCallRequested):
            self._arguments[event.call_id] = short_arguments(event.arguments) if event.arguments is not None else event.raw_arguments[:60]
        elif isinstance(event, ToolCallFinished):
            mark = "✗ error result" if event.is_error else "✓"
            self._tool_line(event, f"{mark} {event.duration:.2f} s")
        elif isinstance(event, ToolCallFailed):
            self._tool_line(event, f"✗ {event.kind}: {_first_line(event.error)}")
        elif isinstance(event, SavingChanged):  # sent only when it changes: one line, not one per step
            self._line(f"mcp-tui: {event.warning}" if not event.saving else f"mcp-tui: saving again to {event.path}")
        elif isinstance(event, ServerStateChanged) and event.state in ("failed", "exited") and not event.reconnecting:
            self._line(f"server {event.name} {event.state}: {event.reason or ''}")
        elif isinstance(event, ServerLogged) and event.is_error:
            self._line(f"server {event.server} logged {event.level}: {event.text[:500]}")
        elif isinstance(event, SegmentRolled):
            why = f" ({event.reason})" if event.reason else ""
            self._line(f"note: rolled into segment {event.segment}{why}; the summary kept: {event.summary[:300]}")
        elif isinstance(event, ElicitationCompleted):
            self._line(f"server {event.server}: the browser step {event.elicitation_id} is done")
        elif isinstance(event, (ToolSchemasLarge, ToolsLeftOut)):
            self._line(f"warning: {event.message}")
        elif isinstance(event, SamplingHandled):
            self._line(event.note)
        elif isinstance(event, TurnFailed):
            self._line(f"error: {event.error}" + (f"\n{event.hint}" if event.hint else ""))
        elif isinstance(event, TurnFinished):
            if not self._ended_with_newline:
                self.out.write("\n")
            if event.cancelled:
                self._line("(stopped)")
            if event.refusal:
                self._line(f"refused: {event.refusal}")
            if event.cut:
                self._line(f"note: {event.cut}. {stop_hint(event.cut)}")
            self.out.flush()

    def _tool_line(self, event: ToolCallFinished | ToolCallFailed, outcome: str) -> None:
        arguments = self._arguments.pop(event.call_id, "")
        self._line(f"⚙ {event.server}.{event.tool} {arguments} {outcome}".replace("  ", " "))

    def _line(self, text: str) -> None:
        self.err.write(safe_text(text) + "\n")
        self.err.flush()


def elicitation_line(event: ElicitationAnswered) -> str:
    """One line: which server asked what, and what was answered (with what, by which flag)."""
    asked = f"a URL to open ({event.url})" if event.mode == "url" else f"a form ({', '.join(event.fields) or 'no fields'})"
    line = f"elicitation from {event.server}: {_first_line(event.message)[:120]!r} asked {asked} → {event.action}"
    if event.content:
        line += " with " + json.dumps(event.content, ensure_ascii=False)[:300]
    line += f" ({event.by})"
    return line + (f": {event.why}" if event.why else "")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # each stops the turn and the servers


async def run_headless(engine: ChatEngine, prompt: str, *, json_mode: bool = False, out: TextIO | None = None, err: TextIO | None = None) -> int:
    printer = HeadlessPrinter(json_mode=json_mode, out=out or sys.stdout, err=err or sys.stderr)
    engine.listeners.append(printer)
    loop = asyncio.get_running_loop()
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        interrupted = True
        engine.cancel()

    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal)
        except (NotImplementedError, RuntimeError):  # not the main thread (tests) or no signals
            pass
    status = 1
    logins = engine.host.logins  # nobody is there to press a key: servers log in at once
    logins.automatic = True
    logins.show = lambda server, url: printer._line(f"mcp-tui: log in to {server} in your browser (opening it): {url}")
    try:
        await engine.start()
        for notice in engine.notices:
            print(f"mcp-tui: {notice}", file=printer.err)
        try:
            entry = await line_input(engine, prompt)  # /server:prompt …, @server:uri
        except InputError as exc:
            print(f"mcp-tui: {exc}", file=printer.err)
            return 2
        async for event in engine.run_turn(entry):
            printer(event)
            if isinstance(event, TurnFinished):
                status = 130 if event.cancelled or interrupted else 1 if event.refusal else 0
    finally:
        for sig in STOP_SIGNALS:
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass
        engine.listeners.remove(printer)  # the shutdown's own state changes are not news
        await engine.aclose()
    return status

