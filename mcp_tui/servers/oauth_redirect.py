"""The local redirect listener of a browser login: http://127.0.0.1:PORT/callback.

The authorization server sends the browser back here with `code` and `state` (or `error`);
the listener answers with a short page and hands the parameters to the waiting flow.
Loopback redirect URIs may use any port (RFC 8252 §7.3), so a free one is picked, and the
port of an earlier registration is reused where the server compares it exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from urllib.parse import parse_qs, urlsplit

from mcp.shared.auth import AuthorizationCodeResult

HOST = "127.0.0.1"
PATH = "/callback"
PAGE = (
    "<!doctype html><meta charset=utf-8><title>mcp-tui</title>"
    "<body style='font-family:sans-serif'><h2>{}</h2><p>You can close this tab and go back to mcp-tui.</p>"
)


class LoginRefused(Exception):
    """The authorization server sent `error` back instead of a code."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def redirect_uri(port: int) -> str:
    return f"http://{HOST}:{port}{PATH}"


def loopback_port(uri: str) -> int | None:
    """The port of a redirect URI of ours, or None for any other URI."""
    parts = urlsplit(uri)
    return parts.port if parts.hostname == HOST and parts.path == PATH else None


class RedirectListener:
    def __init__(self, port: int) -> None:
        self.port = port
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[AuthorizationCodeResult] | None = None

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._serve, HOST, self.port)

    async def wait(self, timeout: float) -> AuthorizationCodeResult:
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10)
            while (await asyncio.wait_for(reader.readline(), 10)) not in (b"\r\n", b"\n", b""):
                pass  # the headers: nothing in them matters
            parts = line.decode("latin-1").split()
            target = urlsplit(parts[1]) if len(parts) >= 2 and parts[0] == "GET" else None
            if target is None or target.path != PATH:
                self._answer(writer, 404, "Not found")
                return
            query = {k: v[0] for k, v in parse_qs(target.query).items()}
            done = self._result is not None and self._result.done()
            if done:
                self._answer(writer, 200, "This login is already complete")
            elif "error" in query:
                why = query.get("error_description") or query["error"]
                self._answer(writer, 400, "Login refused")
                self._result.set_exception(LoginRefused(f"the authorization server refused the login: {why[:200]}"))
            elif "code" in query:
                self._answer(writer, 200, "Logged in")
                self._result.set_result(AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss")))
            else:
                self._answer(writer, 400, "No authorization code in this request")
            await writer.drain()
        except (OSError, asyncio.TimeoutError, UnicodeError):
            pass
        finally:
            with contextlib.suppress(OSError):
                writer.close()

    @staticmethod
    def _answer(writer: asyncio.StreamWriter, status: int, title: str) -> None:
        body = PAGE.format(title).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(head.encode() + body)
