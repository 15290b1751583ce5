"""What the demo guide says or calls next, from the user's words and the tool results.

It is a guide to the app, not a model: a few recognised requests (the time somewhere,
the sample database, the list of tools) become real tool calls on the connected servers;
anything else gets an honest answer saying what the demo can do and how to connect a model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mcp_tui.llm.prompts import SUMMARY_PROMPT

CONNECT_HELP = (
    "**Connect a real model** (then restart the app):\n\n"
    "- `OPENAI_API_KEY=… mcp-tui` or `ANTHROPIC_API_KEY=… mcp-tui` — a key in the environment is picked up\n"
    "- `mcp-tui --provider ollama --model llama3.2` — a local Ollama server\n"
    "- `mcp-tui --api-base http://127.0.0.1:8000/v1 --model NAME` — any OpenAI-compatible server\n"
    "- `mcp-tui install-local` — a tiny offline model (plain chat, no tools)\n\n"
    "`mcp-tui --doctor` shows which one the app picked and why."
)

FOOTER = "That answer was put together by the demo guide from the real tool results above"
INTRO = (
    "**This is the demo guide, not a language model.** It recognises a few requests and makes "
    "real tool calls on the connected MCP servers, so you can see the tool timeline, approval and "
    "the token gauge at work.\n\n"
)

SUGGESTIONS = (
    "Try one of these:\n\n"
    "- *what time is it in Tokyo and London?* — calls the time server twice, side by side\n"
    "- *which tables are there?* — lists the sample database's tables, then queries one\n"
    "- `select title, price from books order by price desc limit 3` — runs your SQL (read-only)\n"
    "- *add a customer named Ada* — a write: the app asks before it runs\n"
    "- *which tools do you have?*\n"
)

CITIES = {
    "tokyo": "Asia/Tokyo", "osaka": "Asia/Tokyo", "seoul": "Asia/Seoul", "beijing": "Asia/Shanghai",
    "shanghai": "Asia/Shanghai", "hong kong": "Asia/Hong_Kong", "singapore": "Asia/Singapore",
    "delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "dubai": "Asia/Dubai", "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne", "auckland": "Pacific/Auckland", "london": "Europe/London",
    "dublin": "Europe/Dublin", "lisbon": "Europe/Lisbon", "paris": "Europe/Paris", "berlin": "Europe/Berlin",
    "madrid": "Europe/Madrid", "rome": "Europe/Rome", "amsterdam": "Europe/Amsterdam", "stockholm": "Europe/Stockholm",
    "warsaw": "Europe/Warsaw", "athens": "Europe/Athens", "istanbul": "Europe/Istanbul", "moscow": "Europe/Moscow",
    "cairo": "Africa/Cairo", "nairobi": "Africa/Nairobi", "lagos": "Africa/Lagos", "new york": "America/New_York",
    "boston": "America/New_York", "toronto": "America/Toronto", "chicago": "America/Chicago",
    "denver": "America/Denver", "los angeles": "America/Los_Angeles", "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "vancouver": "America/Vancouver", "mexico city": "America/Mexico_City",
    "sao paulo": "America/Sao_Paulo", "são paulo": "America/Sao_Paulo", "buenos aires": "America/Argentina/Buenos_Aires",
    "utc": "UTC",
}
_IANA = re.compile(r"\b([A-Z][a-z]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)\b")
_SQL = re.compile(r"^\s*(select|with|pragma|insert|update|delete)\b", re.I)
_TIME_WORDS = re.compile(r"\b(time|clock|o'?clock|hour|date|day is it)\b", re.I)
_DB_WORDS = re.compile(r"\b(tables?|database|db|sql|schema|books?|authors?|orders?|customers?|query)\b", re.I)
_TOOL_WORDS = re.compile(r"\b(tools?|what can you do|servers?)\b", re.I)
_ADD_CUSTOMER = re.compile(r"\badd (?:a )?customer(?: (?:named|called))? ([A-Za-z][\w .'-]{0,40})", re.I)


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def plan(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> Reply:
    names = [t["function"]["name"] for t in tools or []]
    if messages and messages[0].get("role") == "system" and messages[0].get("content") == SUMMARY_PROMPT:
        return Reply(_summary(messages[-1].get("content") or ""))
    last = messages[-1] if messages else {"role": "user", "content": ""}
    first = not any(m.get("role") == "assistant" for m in messages)
    if last.get("role") == "tool":
        return _after_tools(messages, names)
    reply = _for_request(str(last.get("content") or ""), names)
    if first:
        reply.text = INTRO + reply.text
    return reply


# ------------------------------------------------------------------ a new request


def _for_request(text: str, names: list[str]) -> Reply:
    if _SQL.match(text):
        tool = _find(names, "write_query" if re.match(r"\s*(insert|update|delete)", text, re.I) else "read_query")
        return _call_or_missing(tool, {"query": text.strip().rstrip(";")}, "sqlite", "Running your SQL.\n\n")
    if match := _ADD_CUSTOMER.search(text):
        name = match.group(1).strip().rstrip(".?!")
        query = f"INSERT INTO customers (name, email) VALUES ('{name.replace(chr(39), chr(39) * 2)}', NULL)"
        return _call_or_missing(_find(names, "write_query"), {"query": query}, "sqlite", "That is a write, so the app asks you first.\n\n")
    if _TIME_WORDS.search(text):
        zones = _zones(text)
        tool = _find(names, "get_current_time")
        if tool is None:
            return Reply(_missing("time"))
        calls = [(tool, {"timezone": zone}) for zone in zones]
        where = " and ".join(z for z in zones)
        return Reply(f"Asking the time server for {where}.\n\n", calls)
    if _DB_WORDS.search(text):
        return _call_or_missing(_find(names, "list_tables"), {}, "sqlite", "Looking at the sample database.\n\n")
    if _TOOL_WORDS.search(text):
        return Reply(_tool_list(names))
    return Reply(SUGGESTIONS + "\n" + CONNECT_HELP)


def _zones(text: str) -> list[str]:
    lower = text.lower()
    found = [(lower.index(city), zone) for city, zone in CITIES.items() if re.search(rf"\b{re.escape(city)}\b", lower)]
    found += [(text.index(m), m) for m in _IANA.findall(text)]
    zones: list[str] = []
    for _, zone in sorted(found):
        if zone not in zones:
            zones.append(zone)
    return zones[:4] or ["UTC"]


def _find(names: list[str], suffix: str) -> str | None:
    return next((n for n in names if n == suffix or n.endswith("__" + suffix)), None)


def _call_or_missing(tool: str | None, arguments: dict[str, Any], server: str, text: str) -> Reply:
    return Reply(text, [(tool, arguments)]) if tool else Reply(_missing(server))


def _missing(server: str) -> str:
    return (
        f"The {server} server is not connected, so I cannot ask it. The sidebar shows each server's state "
        f"(select it and press **r** to restart); `mcp-tui --doctor` lists the servers found.\n"
    )


def _tool_list(names: list[str]) -> str:
    if not names:
        return "No tools are connected yet: the servers may still be starting (see the sidebar).\n"
    lines = ["These tools are connected (server__tool):\n"]
    lines += [f"- `{n}`" for n in names]
    return "\n".join(lines) + "\n\n" + SUGGESTIONS


# ------------------------------------------------------------------ after tool results


def _after_tools(messages: list[dict[str, Any]], names: list[str]) -> Reply:
    asked = _last_calls(messages)
    results = {m.get("tool_call_id"): str(m.get("content") or "") for m in messages if m.get("role") == "tool"}
    parts: list[str] = []
    for call_id, name, arguments in asked:
        result = results.get(call_id, "")
        if result.startswith("Error") or result.startswith("The user refused") or "cancel" in result[:80].lower():
            parts.append(f"`{name.replace('__', '.')}` did not give a result:\n\n> {result[:500]}")
        elif name.endswith("get_current_time"):
            parts.append(_time_sentence(result))
        elif name.endswith("list_tables"):
            first = _first_table(result)
            tool = _find(names, "read_query")
            if first and tool:
                note = f"The database has these tables:\n\n```\n{result.strip()}\n```\n\nHere are a few rows of `{first}`.\n\n"
                return Reply(note, [(tool, {"query": f"SELECT * FROM {first} LIMIT 5"})])
            parts.append(f"The database has these tables:\n\n```\n{result.strip()}\n```")
        else:
            parts.append(f"`{name.replace('__', '.')}` returned:\n\n```\n{result.strip()[:3000]}\n```")
    if not _said(messages, FOOTER):
        parts.append(FOOTER + "; open a row in the tool timeline (**Ctrl+T**, then **Enter**) to see the full call.")
    if not _said(messages, CONNECT_HELP):  # the first answer always says how to leave the demo
        parts.append(CONNECT_HELP)
    return Reply("\n\n".join(parts) + "\n")


def _said(messages: list[dict[str, Any]], text: str) -> bool:
    return any(text in str(m.get("content") or "") for m in messages if m.get("role") == "assistant")


def _last_calls(messages: list[dict[str, Any]]) -> list[tuple[str, str, dict]]:
    for message in reversed(messages):
        if message.get("role") == "assistant" and message.get("tool_calls"):
            out = []
            for call in message["tool_calls"]:
                function = call.get("function") or {}
                try:
                    arguments = json.loads(function.get("arguments") or "{}")
                except ValueError:
                    arguments = {}
                out.append((call.get("id"), function.get("name", ""), arguments))
            return out
    return []


def _time_sentence(result: str) -> str:
    try:
        data = json.loads(result)
        when = datetime.fromisoformat(data["datetime"])
    except (ValueError, KeyError, TypeError):
        return f"The time server said:\n\n```\n{result.strip()[:1000]}\n```"
    dst = " (daylight saving time)" if data.get("is_dst") else ""
    return f"In **{data['timezone']}** it is **{when:%H:%M}** on {data.get('day_of_week', f'{when:%A}')}, {when:%d %B %Y}{dst}."


def _first_table(result: str) -> str | None:
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", result):
        if token.lower() not in {"table", "tables", "name", "rows", "row", "columns"}:
            return token
    return None


def _summary(transcript: str) -> str:
    asks = [line[6:].strip()[:100] for line in transcript.splitlines() if line.startswith("user: ")]
    return "Earlier in this demo the user asked: " + ("; ".join(asks[-8:]) or "nothing yet") + "."
