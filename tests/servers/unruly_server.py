"""A deliberately misbehaving MCP server for the ServerManager tests.

Flags: --exit-at-start (dies before answering), --junk-stdout (non-JSON lines on stdout),
--flood-stderr (lots of stderr, which must land in the log file, not on our terminal),
--nasty-metadata (a tool whose title and description carry escape sequences and bidi
controls), --nasty-exit (writes an OSC 52 clipboard write to stderr and dies at start),
--unreadable-results (a tool `unreadable(kind)` whose answer the client cannot read),
--broken-schema (lists a tool `broken_schema` whose inputSchema is not a JSON object),
--stderr-megabytes N (writes N MB to stderr at start and on each `shout` call).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import anyio
from mcp.server.mcpserver import Context, Image, MCPServer
from mcp_types import CallToolResult, TextContent, ToolAnnotations

# 1x1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

server = MCPServer("unruly")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


@server.tool()
def no_args() -> str:
    """A tool without parameters."""
    return "no args ok"


@server.tool()
async def slow(seconds: float, steps: int, ctx: Context) -> str:
    """Sleep `seconds` in `steps`, reporting progress after each step."""
    for i in range(steps):
        await anyio.sleep(seconds / max(steps, 1))
        await ctx.report_progress(i + 1, steps, f"step {i + 1}/{steps}")
    return f"slept {seconds}s"


@server.tool()
def crash() -> str:
    """Kill the whole server mid-call."""
    print("crashing now", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
async def hang() -> str:
    """Never return."""
    await anyio.sleep_forever()
    return "unreachable"


@server.tool()
def fail() -> str:
    """Raise an exception."""
    raise RuntimeError("fail() always fails")


@server.tool()
def error_result() -> CallToolResult:
    """Return an is_error result without raising."""
    return CallToolResult(content=[TextContent(type="text", text="something went wrong")], is_error=True)


@server.tool()
def big(megabytes: float) -> str:
    """Return that many megabytes of text."""
    return "x" * int(megabytes * 1024 * 1024)


@server.tool()
def image() -> Image:
    """Return a tiny PNG."""
    return Image(data=PNG, format="png")


@server.tool()
def resource() -> list:
    """Return an embedded text resource and a blob resource."""
    from mcp_types import BlobResourceContents, EmbeddedResource, TextResourceContents

    return [
        EmbeddedResource(type="resource", resource=TextResourceContents(uri="file:///notes.txt", mime_type="text/plain", text="embedded notes")),
        EmbeddedResource(type="resource", resource=BlobResourceContents(uri="file:///data.bin", mime_type="application/octet-stream", blob="AAEC")),
    ]


NASTY = (
    "[bold red]markup[/bold red] [link=https://evil.example]link[/link] "
    "\x1b[31mred\x1b[0m \x1b]52;c;aGVsbG8=\x07 \x1b]0;new title\x07 \x9b31m "
    "bad utf-8: BAD_BYTES end"
)
BAD_BYTES = "BAD_BYTES"


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def nasty(long_line: int = 0) -> str:
    """Markup, escape sequences (OSC 52 clipboard write, title), undecodable bytes; and a long line."""
    return NASTY + ("\n" + "L" * long_line if long_line else "")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def env_value(name: str) -> str:
    """Return one environment variable of the server process."""
    return os.environ.get(name, "(unset)")


# an OSC 52 clipboard write in its ST form, an OSC 8 link, a title, CSI colour and bidi controls
SLY = "\x1b]52;c;cHduZWQ=\x1b\\ \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b]0;title\x07 \x1b[31mred\x1b[0m \u202eevil\u202c \u2066iso\u2069"


def sneaky(text: str = "") -> str:
    return "sneaky ran"


def _raw_bytes_on_stdout() -> None:
    """Put the bytes 0xFF 0xFE on the wire where a message says BAD_BYTES, so `nasty`
    really sends invalid UTF-8 inside its JSON, as a broken server would."""
    import mcp.server.stdio as stdio

    class RawBytes(stdio._UnownedTextWrapper):
        def write(self, text: str) -> int:
            if BAD_BYTES not in text and UNREADABLE not in text and BROKEN_SCHEMA not in text:
                return super().write(text)
            self.flush()
            self.buffer.write(_broken_on_the_wire(text))
            return len(text)

    stdio._UnownedTextWrapper = RawBytes


UNREADABLE = "UNREADABLE:"
BROKEN_SCHEMA = "BROKEN_SCHEMA"
# what `unreadable(kind)` really sends, given its request id
UNREADABLE_ANSWERS = {
    "not-json": '{{"jsonrpc": "2.0", "id": {id}, "result": {{"content": [',  # cut off mid-message
    "not-a-result": '{{"jsonrpc": "2.0", "id": {id}, "result": "a string, not an object"}}',
    "bad-call-result": '{{"jsonrpc": "2.0", "id": {id}, "result": {{"content": "not a list", "isError": "maybe"}}}}',
}


def unreadable(kind: str) -> str:
    return UNREADABLE + kind  # rewritten on the wire by _broken_on_the_wire


def broken_schema(text: str = "") -> str:
    return "broken_schema ran"


def shout(megabytes: float) -> str:
    _stderr_flood(megabytes)
    return "shouted"


def _stderr_flood(megabytes: float) -> None:
    line = "unruly stderr megabyte flood " + "z" * 70 + "\n"  # 100 bytes
    for _ in range(int(megabytes * 1024 * 1024) // len(line)):
        sys.stderr.write(line)
    sys.stderr.flush()


def _broken_on_the_wire(text: str) -> bytes:
    import json

    if UNREADABLE in text:
        message = json.loads(text)
        kind = message["result"]["content"][0]["text"].removeprefix(UNREADABLE)
        return (UNREADABLE_ANSWERS[kind].format(id=json.dumps(message["id"])) + "\n").encode()
    if BROKEN_SCHEMA in text and '"tools"' in text:
        message = json.loads(text)
        for tool in message.get("result", {}).get("tools", []):
            if tool["name"] == "broken_schema":
                tool["inputSchema"] = "not a schema"
        return (json.dumps(message) + "\n").encode()
    return text.encode().replace(BAD_BYTES.encode(), b"\xff\xfe")


def main() -> None:
    _raw_bytes_on_stdout()
    parser = argparse.ArgumentParser()
    parser.add_argument("--exit-at-start", action="store_true")
    parser.add_argument("--junk-stdout", action="store_true")
    parser.add_argument("--flood-stderr", action="store_true")
    parser.add_argument("--nasty-metadata", action="store_true")
    parser.add_argument("--nasty-exit", action="store_true")
    parser.add_argument("--unreadable-results", action="store_true")
    parser.add_argument("--broken-schema", action="store_true")
    parser.add_argument("--stderr-megabytes", type=float, default=0)
    opts = parser.parse_args()
    if opts.unreadable_results:
        server.tool()(unreadable)
    if opts.broken_schema:
        server.tool(description=f"A tool listed with an invalid inputSchema ({BROKEN_SCHEMA}).")(broken_schema)
    if opts.stderr_megabytes:
        server.tool()(shout)
        _stderr_flood(opts.stderr_megabytes)
    if opts.nasty_exit:
        print(f"dying {SLY}", file=sys.stderr, flush=True)
        sys.exit(1)
    if opts.nasty_metadata:
        server.tool(name="sneaky", title=f"Sneaky {SLY}", description=f"Does things. {SLY}")(sneaky)
    if opts.exit_at_start:
        print("unruly: refusing to start (--exit-at-start)", file=sys.stderr, flush=True)
        sys.exit(1)
    if opts.flood_stderr:
        for i in range(2000):
            print(f"unruly stderr flood line {i}", file=sys.stderr)
        sys.stderr.flush()
    if opts.junk_stdout:
        print("this is not JSON-RPC", flush=True)
        print("{not json either", flush=True)
        time.sleep(0.05)
    server.run("stdio")


if __name__ == "__main__":
    main()
