"""Completing MCP prompts and resources in the prompt: `/server:prompt` and its arguments (names
from the prompt's definition, values from the server's completion/complete), and `@server:uri`
references to resources and templates (template variables completed by the server).

What is known locally is offered at once (`prompt_candidates`, `reference_candidates`); what
only the server knows is a `ValueRequest`, asked off the key handler. No widgets here."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from mcp_tui.ui.completions import Candidate, Sources
from mcp_tui.engine.prompt_command import usage
from mcp_tui.words import plural

PROMPT_ARGS = re.compile(r"^/([A-Za-z0-9_.-]+):(\S+) (.*)$", re.DOTALL)
AT_WORD = re.compile(r"(?:^|(?<=\s))@(\S*)$")
_PART = re.compile(r"\{[^}]*\}")


@dataclass
class ValueRequest:
    """Ask `server` for values of `argument` (of a prompt, or a template variable)."""

    server: str
    kind: str  # "prompt" or "template"
    ref: str  # the prompt's name or the template's uri
    argument: str
    value: str
    context: dict[str, str] = field(default_factory=dict)
    make: Callable[[str], Candidate] = lambda value: Candidate(value, value)


def prompt_names(typed: str, sources: Sources) -> list[Candidate]:
    """Prompts as commands: `/server:name`, those starting with what is typed first."""
    low = typed.lower()
    first, then = [], []
    for p in sources.prompts():
        full = f"{p.server}:{p.name}"
        args = usage(p).partition(" ")[2]
        about = " · ".join(part for part in (args, p.description or p.title or "an MCP prompt") if part)
        candidate = Candidate(f"/{full}" + (" " if p.arguments else ""), f"/{full}", about)
        if full.lower().startswith(low):
            first.append(candidate)
        elif low and low in full.lower():
            then.append(candidate)
    return first + then


def _words(rest: str) -> tuple[list[str], str]:
    """The finished words of the arguments and the one being typed (quotes unwrapped)."""
    words, current, quote, started = [], [], None, False
    for ch in rest:
        if quote:
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in "\"'":
            quote, started = ch, True
        elif ch.isspace():
            if current or started:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
            started = True
    return words, "".join(current)


def _quote(value: str) -> str:
    return f'"{value}"' if not value or any(c.isspace() for c in value) else value


def _typed_word_start(text: str) -> int:
    """Where the word being typed begins (after the last space outside quotes)."""
    quote, start = None, 0
    for i, ch in enumerate(text):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch.isspace():
            start = i + 1
    return start


def prompt_candidates(text: str, sources: Sources) -> list[Candidate] | None:
    """While a prompt's arguments are typed: the names not given yet. None: no prompt here."""
    match = PROMPT_ARGS.match(text)
    if match is None:
        return None
    server, name, rest = match.groups()
    prompt = next((p for p in sources.prompts() if p.server == server and p.name == name), None)
    if prompt is None:
        return []
    done, last = _words(rest)
    if "=" in last:
        return []  # a value: the server's (value_request)
    given = {w.partition("=")[0] for w in done}
    head = text[: _typed_word_start(text)]
    return [
        Candidate(f"{head}{a.name}=", f"{a.name}=", ("required · " if a.required else "") + (a.description or ""))
        for a in prompt.arguments
        if a.name not in given and a.name.startswith(last)
    ]


def literal_prefix(template: str) -> str:
    """The part of a URI template before its first variable."""
    found = _PART.search(template)
    return template[: found.start()] if found else template


def template_position(template: str, typed: str) -> tuple[str, str, dict[str, str], str, str, bool] | None:
    """Where `typed` is in `template` when it is inside a variable: (variable, what is typed of it,
    the variables before it, the uri up to it, the literal after it, whether more variables
    follow). Simple {name} variables only."""
    pieces = re.split(r"(\{[A-Za-z0-9_]+\})", template)
    pos, context = 0, {}
    for i, piece in enumerate(pieces):
        if not piece.startswith("{"):
            rest = typed[pos:]
            if not rest.startswith(piece):
                return None
            pos += len(piece)
            continue
        var = piece[1:-1]
        after = pieces[i + 1] if i + 1 < len(pieces) else ""
        rest = typed[pos:]
        end = rest.find(after[0]) if after else -1
        if end < 0:
            return var, rest, context, typed[:pos], after, i + 2 < len(pieces)
        context[var] = rest[:end]
        pos += end
    return None


def reference_candidates(text: str, sources: Sources) -> list[Candidate] | None:
    """While `@…` is typed at the end: matching resources, then templates. None: no `@` here."""
    match = AT_WORD.search(text)
    if match is None:
        return None
    head, token = text[: match.start()], match.group(1)
    server, colon, part = token.partition(":")
    low = token.lower()
    found = []
    for r in sources.resources():
        ref = f"{r.server}:{r.uri}"
        fits = r.server == server and r.uri.startswith(part) if colon else (low in ref.lower() or low in r.name.lower())
        if fits:
            size = f" · {plural(r.size, 'byte')}" if r.size is not None else ""
            found.append(Candidate(f"{head}@{ref} ", r.name or r.uri, f"{r.server} · {r.uri} · {r.mime_type or 'unknown type'}{size}"))
    for t in sources.templates():
        prefix = literal_prefix(t.uri_template)
        fits = t.server == server and prefix.startswith(part) if colon else (low in f"{t.server}:{t.uri_template}".lower() or low in t.name.lower())
        if fits:
            found.append(Candidate(f"{head}@{t.server}:{prefix}", t.name or t.uri_template, f"{t.server} · template {t.uri_template}"))
    return found


def value_request(text: str, sources: Sources) -> ValueRequest | None:
    """What to ask a server for the word being typed: a prompt argument's value after `name=`,
    or a template variable inside `@server:uri`; None when the server has nothing to add."""
    match = PROMPT_ARGS.match(text)
    if match is not None:
        server, name, rest = match.groups()
        done, last = _words(rest)
        key, eq, value = last.partition("=")
        if not eq:
            return None
        head = text[: _typed_word_start(text)]
        context = dict(w.partition("=")[::2] for w in done if "=" in w)
        return ValueRequest(server, "prompt", name, key, value, context, lambda v: Candidate(f"{head}{key}={_quote(v)} ", v, f"suggested by {server}"))
    at = AT_WORD.search(text)
    if at is None or ":" not in at.group(1):
        return None
    head = text[: at.start()]
    server, _, part = at.group(1).partition(":")
    for t in sources.templates():
        if t.server != server or (position := template_position(t.uri_template, part)) is None:
            continue
        var, value, context, before, after, more = position
        end = "" if more else " "  # the uri is whole: the next word may begin

        def make(v: str, before: str = before, after: str = after) -> Candidate:
            return Candidate(f"{head}@{server}:{before}{v}{after}{end}", f"{before}{v}{after}", f"suggested by {server}")

        return ValueRequest(server, "template", t.uri_template, var, value, context, make)
    return None


async def server_values(request: ValueRequest, sources: Sources) -> list[Candidate]:
    values = await sources.values(request.server, request.kind, request.ref, request.argument, request.value, request.context)
    return [request.make(v) for v in values]
