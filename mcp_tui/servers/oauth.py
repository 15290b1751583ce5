"""OAuth 2.1 for remote servers, over the SDK's client auth (`mcp.client.auth`).

`server_auth(config, broker)` picks the SDK provider the server's `"oauth"` entry asks for
(browser login with PKCE, pre-registered or dynamically registered or CIMD client; client
credentials with a secret or a signed JWT; SEP-990 identity assertion) and wraps it in
`GuardedAuth`, which keeps a failed flow from killing the transport: the SDK raises inside
the HTTP request, which would leave the request unanswered until the startup timeout. The
failure is kept for the connection to report ("needs login", or why OAuth failed).

The browser opens only when the `LoginBroker` allows it: always headless, in the TUI only
for a server the user asked to log in to.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import warnings
import webbrowser
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import httpx2

if TYPE_CHECKING:
    from mcp_tui.config.models import ServerConfig

log = logging.getLogger(__name__)

LOGIN_TIMEOUT = 300.0  # seconds the browser login may take
MAX_REAUTHORIZATIONS = 2  # logins in a row after which a server still refusing is given up on
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


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
        from mcp.shared.auth import OAuthClientInformationFull

        from mcp_tui.store.oauth_tokens import FileTokenStorage

        cfg, url = self.config.oauth, self.config.url or ""
        if cfg.grant_type == "client_credentials":
            return self._client_credentials(FileTokenStorage(url))
        if cfg.grant_type == "identity_assertion":
            return self._identity_assertion(FileTokenStorage(url))
        from mcp.client.auth import OAuthClientProvider
        from mcp.shared.auth import OAuthClientMetadata

        from mcp_tui.servers import oauth_redirect

        storage = FileTokenStorage(url)
        stored = storage.stored_client()
        kept = next((p for u in (stored.redirect_uris or []) if (p := oauth_redirect.loopback_port(str(u)))), None) if stored else None
        self.port = cfg.redirect_port or kept or oauth_redirect.free_port()
        redirect = oauth_redirect.redirect_uri(self.port)
        if cfg.client_id:
            method = cfg.token_endpoint_auth_method or ("client_secret_basic" if cfg.client_secret else "none")
            storage.fixed_client = OAuthClientInformationFull(
                client_id=cfg.client_id, client_secret=cfg.client_secret, redirect_uris=[redirect],
                token_endpoint_auth_method=method, issuer=cfg.issuer,
            )
        metadata = OAuthClientMetadata(
            client_name="mcp-tui", redirect_uris=[redirect], grant_types=["authorization_code", "refresh_token"],
            response_types=["code"], token_endpoint_auth_method=cfg.token_endpoint_auth_method,
        )
        return OAuthClientProvider(
            url, metadata, storage, redirect_handler=self._redirect, callback_handler=self._callback,
            client_metadata_url=cfg.client_metadata_url,
        )

    def _client_credentials(self, storage) -> httpx2.Auth:
        from mcp.client.auth.extensions.client_credentials import (
            ClientCredentialsOAuthProvider,
            PrivateKeyJWTOAuthProvider,
            SignedJWTParameters,
        )

        cfg, url = self.config.oauth, self.config.url or ""
        if not cfg.client_id:
            raise ValueError('"oauth": client credentials need a "client_id"')
        key = cfg.private_key or (Path(cfg.private_key_file).expanduser().read_text() if cfg.private_key_file else None)
        with warnings.catch_warnings():  # an issuer left out is deprecated, not wrong: the discovered one is used
            warnings.simplefilter("ignore")
            if key or cfg.token_endpoint_auth_method == "private_key_jwt":
                if not key:
                    raise ValueError('"oauth": private_key_jwt needs "private_key" or "private_key_file"')
                signer = SignedJWTParameters(issuer=cfg.client_id, subject=cfg.client_id, signing_key=key, signing_algorithm=cfg.signing_algorithm)
                return PrivateKeyJWTOAuthProvider(
                    url, storage, cfg.client_id, signer.create_assertion_provider(), scope=cfg.scope, issuer=cfg.issuer
                )
            if not cfg.client_secret:
                raise ValueError('"oauth": client credentials need a "client_secret" (or a private key)')
            method = cfg.token_endpoint_auth_method if cfg.token_endpoint_auth_method == "client_secret_post" else "client_secret_basic"
            return ClientCredentialsOAuthProvider(
                url, storage, cfg.client_id, cfg.client_secret, token_endpoint_auth_method=method, scope=cfg.scope, issuer=cfg.issuer
            )

    def _identity_assertion(self, storage) -> httpx2.Auth:
        from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider

        cfg, url = self.config.oauth, self.config.url or ""
        if not (cfg.client_id and cfg.client_secret and cfg.issuer and cfg.idp):
            raise ValueError('"oauth": identity_assertion needs "client_id", "client_secret", "issuer" and "idp"')
        idp = cfg.idp

        async def id_jag(audience: str, resource: str) -> str:
            """Leg 1 (RFC 8693): the identity provider swaps the user's identity token for an ID-JAG."""
            data = {
                "grant_type": TOKEN_EXCHANGE, "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                "subject_token": idp.id_token, "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                "audience": audience, "resource": resource,
            }
            data |= {k: v for k, v in (("client_id", idp.client_id), ("client_secret", idp.client_secret)) if v}
            async with httpx2.AsyncClient(timeout=30.0) as http:
                reply = await http.post(idp.token_endpoint, data=data)
            if reply.status_code != 200:
                raise PermissionError(f"the identity provider refused the token exchange (HTTP {reply.status_code})")
            return reply.json()["access_token"]

        method = cfg.token_endpoint_auth_method if cfg.token_endpoint_auth_method == "client_secret_basic" else "client_secret_post"
        return IdentityAssertionOAuthProvider(
            url, storage, cfg.client_id, cfg.client_secret, cfg.issuer, id_jag, scope=cfg.scope, token_endpoint_auth_method=method
        )

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


def _accept_same_origin_issuer() -> None:
    """Servers of the 2025-03-26 spec (no protected resource metadata) publish their metadata
    at the origin's well-known URL with an issuer that may carry a path (`…/oauth`); SDK 2.3.0
    then demands the bare origin and refuses them. Metadata served by the origin itself, naming
    an issuer on that same origin, is accepted; any other mismatch is refused as before."""
    from urllib.parse import urlsplit

    from mcp.client.auth import oauth2

    strict = oauth2.validate_metadata_issuer
    if getattr(strict, "same_origin", False):
        return

    def validate(metadata, expected_issuer: str) -> None:
        try:
            strict(metadata, expected_issuer)
        except Exception:
            want, got = urlsplit(expected_issuer), urlsplit(str(metadata.issuer))
            if want.path.strip("/") or (want.scheme, want.netloc) != (got.scheme, got.netloc):
                raise
            log.info("accepting issuer %s for the origin %s (2025-03-26 metadata)", metadata.issuer, expected_issuer)

    validate.same_origin = True  # type: ignore[attr-defined]
    oauth2.validate_metadata_issuer = validate


def server_auth(config: ServerConfig, broker: LoginBroker) -> ServerAuth | None:
    """The OAuth of a remote server, or None: stdio, `"oauth": false`, or an Authorization
    header of the user's own."""
    if config.transport == "stdio" or not config.url or not config.oauth.enabled:
        return None
    if any(k.lower() == "authorization" for k in config.headers):
        return None
    _accept_same_origin_issuer()
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
