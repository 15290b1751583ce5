"""OAuth 2.1 for remote servers, over the SDK's client auth (`mcp.client.auth`).

`server_auth(config, broker)` builds the SDK provider the server's `"oauth"` entry asks for
(`oauth_providers`) and wraps it in `GuardedAuth`, which keeps a failed flow from killing the
transport: the SDK raises inside the HTTP request, which would leave the request unanswered
until the startup timeout. The failure is kept for the connection to report ("needs login",
or why OAuth failed).

The browser opens only when the `LoginBroker` allows it: always headless, in the TUI only
for a server the user asked to log in to.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import webbrowser
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import anyio
import httpx2

if TYPE_CHECKING:
    from mcp_tui.config.models import ServerConfig

log = logging.getLogger(__name__)

LOGIN_TIMEOUT = 300.0  # seconds the browser login may take
MAX_REAUTHORIZATIONS = 2  # logins in a row after which a server still refusing is given up on


class LoginRequired(Exception):
    """The server needs a browser login that nobody asked for yet (the TUI waits for `l`)."""


class _QuietLoginRequired(logging.Filter):
    """The SDK logs every flow error with its traceback; a login not asked for yet is no error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], LoginRequired))


logging.getLogger("mcp.client.auth.oauth2").addFilter(_QuietLoginRequired())


class LoginBroker:
    """When a login may open the browser, and who is told its URL.

    `automatic`: headless, every server may log in at once. Otherwise only those `allow`ed.
    `show(server, url)`: the face's way of telling the user (stderr, a notice).
    `browser`: open the URL with `webbrowser` (it honours $BROWSER), or only show it.
    """

    def __init__(self) -> None:
        self.automatic = False
        self.browser = True
        self.show: Callable[[str, str], None] | None = None
        self._allowed: set[str] = set()

    def allow(self, server: str) -> None:
        self._allowed.add(server)

    def may_log_in(self, server: str) -> bool:
        return self.automatic or server in self._allowed

    def open(self, server: str, url: str) -> None:
        if self.show is not None:
            self.show(server, url)
        if self.browser:  # webbrowser waits for some browsers to exit: never on the event loop
            asyncio.get_running_loop().run_in_executor(None, _open_browser, url)


def _open_browser(url: str) -> None:
    try:
        if not webbrowser.open(url):
            log.info("no browser could be opened for the login; the URL was shown instead")
    except Exception as exc:  # a broken $BROWSER must not break the login: the URL is shown
        log.warning("opening the browser failed: %s", exc)


def graphical_browser() -> bool:
    """Whether a browser opened from the TUI would not take over its terminal: a desktop is
    there, or $BROWSER says what to run."""
    return bool(os.environ.get("BROWSER") or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")


class GuardedAuth(httpx2.Auth):
    """Runs the SDK provider's flow; a flow that fails is recorded in `failure` and the request
    is sent once more as it was, so the transport gets the server's 401/403 as an answer and the
    session stays usable. Also gives up after MAX_REAUTHORIZATIONS logins in a row that the
    server still refuses (a scope that will never be granted)."""

    requires_response_body = True

    def __init__(self, provider: httpx2.Auth) -> None:
        self.provider = provider
        self.failure: BaseException | None = None
        self._refused_after_login = 0

    async def async_auth_flow(self, request: httpx2.Request) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        flow = self.provider.async_auth_flow(request)
        sent = 0
        try:
            outgoing = await flow.__anext__()
            while True:
                response = yield outgoing
                if outgoing is request:
                    sent += 1
                    if response.status_code not in (401, 403):
                        self._refused_after_login, self.failure = 0, None
                    elif sent > 1:  # refused again after the flow authorized it
                        self._refused_after_login += 1
                        self.failure = PermissionError(f"the server still refuses after the login ({_challenge(response)})")
                    if sent == 1 and response.status_code in (401, 403) and self._refused_after_login >= MAX_REAUTHORIZATIONS:
                        self.failure = PermissionError(f"the server still refuses after {MAX_REAUTHORIZATIONS} logins ({_challenge(response)})")
                        return
                outgoing = await flow.asend(response)
        except StopAsyncIteration:
            return
        except Exception as exc:
            self.failure = exc
            level = logging.INFO if isinstance(exc, LoginRequired) else logging.WARNING
            log.log(level, "OAuth for %s stopped: %s: %s", request.url.host, type(exc).__name__, exc)
            request.headers.pop("Authorization", None)
            yield request
        finally:
            await flow.aclose()


def _challenge(response: httpx2.Response) -> str:
    from mcp.client.auth.utils import extract_field_from_www_auth

    scope = extract_field_from_www_auth(response, "scope")
    return f"HTTP {response.status_code}" + (f", scope {scope!r}" if scope else "")


class ServerAuth:
    """One connection's OAuth: the httpx2 `auth` to give its transport, and what went wrong."""

    def __init__(self, config: ServerConfig, broker: LoginBroker) -> None:
        self.config = config
        self.broker = broker
        self.deadline: anyio.CancelScope | None = None  # the connection's startup timeout, paused during a login
        self._listener = None
        self.auth = GuardedAuth(self._provider())

    @property
    def failure(self) -> BaseException | None:
        return self.auth.failure

    def _provider(self) -> httpx2.Auth:
        from mcp_tui.servers import oauth_providers as providers
        from mcp_tui.store.oauth_tokens import FileTokenStorage

        storage = FileTokenStorage(self.config.url or "")
        grant = self.config.oauth.grant_type
        if grant == "client_credentials":
            return providers.client_credentials(self.config, storage)
        if grant == "identity_assertion":
            return providers.identity_assertion(self.config, storage)
        self.port = providers.redirect_port(self.config, storage)
        return providers.authorization_code(self.config, storage, self.port, self._redirect, self._callback)

    # -- the browser step ------------------------------------------------------

    async def _redirect(self, url: str) -> None:
        from mcp_tui.servers.oauth_redirect import RedirectListener

        name = self.config.name
        if not self.broker.may_log_in(name):
            raise LoginRequired(f"{name} needs a login in the browser")
        self._listener = RedirectListener(self.port)
        await self._listener.start()
        log.info("server %s: waiting for the browser login (redirect to port %s)", name, self.port)
        self.broker.open(name, url)

    async def _callback(self):
        listener, self._listener = self._listener, None
        assert listener is not None
        with self._paused():
            try:
                return await listener.wait(LOGIN_TIMEOUT)
            except asyncio.TimeoutError:
                raise TimeoutError(f"no login within {LOGIN_TIMEOUT / 60:g} minutes") from None

    @contextmanager
    def _paused(self) -> Iterator[None]:
        """The startup timeout measures the server, not the person logging in."""
        scope = self.deadline
        if scope is None or scope.deadline == math.inf:
            yield
            return
        left = scope.deadline - anyio.current_time()
        scope.deadline = math.inf
        try:
            yield
        finally:
            scope.deadline = anyio.current_time() + max(left, 1.0)


def server_auth(config: ServerConfig, broker: LoginBroker) -> ServerAuth | None:
    """The OAuth of a remote server, or None: stdio, `"oauth": false`, or an Authorization
    header of the user's own."""
    if config.transport == "stdio" or not config.url or not config.oauth.enabled:
        return None
    if any(k.lower() == "authorization" for k in config.headers):
        return None
    from mcp_tui.servers.oauth_providers import accept_same_origin_issuer

    accept_same_origin_issuer()
    return ServerAuth(config, broker)


def describe_failure(auth: ServerAuth | None) -> tuple[bool, str] | None:
    """(needs a login?, reason) when OAuth is why the server could not be used, else None."""
    failure = auth.failure if auth is not None else None
    if failure is None:
        return None
    if isinstance(failure, LoginRequired):
        return True, "the server needs an OAuth login in the browser (in the TUI: l on its row; headless runs log in at once)"
    text = str(failure).strip() or type(failure).__name__
    return False, f"OAuth failed: {text}"
