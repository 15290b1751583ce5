"""The SDK's OAuth providers, built from a server's `"oauth"` entry.

Browser login (`OAuthClientProvider`: discovery, dynamic registration or a client ID
metadata document or a pre-registered client, PKCE); client credentials with a secret or a
signed JWT (`extensions.client_credentials`); SEP-990 identity assertion
(`extensions.identity_assertion`), whose first leg, the token exchange at the identity
provider, is done here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx2

from mcp_tui.servers import oauth_redirect
from mcp_tui.store.oauth_tokens import FileTokenStorage

if TYPE_CHECKING:
    from mcp_tui.config.models import ServerConfig

log = logging.getLogger(__name__)

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"


def redirect_port(config: ServerConfig, storage: FileTokenStorage) -> int:
    """The configured port, else that of the client registered earlier (a server may compare
    redirect URIs exactly), else a free one."""
    stored = storage.stored_client()
    kept = (oauth_redirect.loopback_port(str(u)) for u in (stored.redirect_uris or [])) if stored else ()
    return config.oauth.redirect_port or next((p for p in kept if p), None) or oauth_redirect.free_port()


def authorization_code(
    config: ServerConfig, storage: FileTokenStorage, port: int,
    redirect: Callable[[str], Awaitable[None]], callback: Callable[[], Awaitable[Any]],
) -> httpx2.Auth:
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata

    cfg, uri = config.oauth, oauth_redirect.redirect_uri(port)
    if cfg.client_id:  # pre-registered: no registration, the configured credentials every time
        method = cfg.token_endpoint_auth_method or ("client_secret_basic" if cfg.client_secret else "none")
        storage.fixed_client = OAuthClientInformationFull(
            client_id=cfg.client_id, client_secret=cfg.client_secret, redirect_uris=[uri],
            token_endpoint_auth_method=method, issuer=cfg.issuer,
        )
    metadata = OAuthClientMetadata(
        client_name="mcp-tui", redirect_uris=[uri], grant_types=["authorization_code", "refresh_token"],
        response_types=["code"], token_endpoint_auth_method=cfg.token_endpoint_auth_method,
    )

    class KeptExpiry(OAuthClientProvider):
        """Tokens loaded from disk keep their expiry: an expired one is refreshed, not sent
        (the SDK forgets the expiry across restarts, so the server's 401 would mean a new login)."""

        async def _initialize(self) -> None:
            await super()._initialize()
            self.context.token_expiry_time = storage.expires_at()

    return KeptExpiry(
        config.url or "", metadata, storage, redirect_handler=redirect, callback_handler=callback,
        client_metadata_url=cfg.client_metadata_url,
    )


def client_credentials(config: ServerConfig, storage: FileTokenStorage) -> httpx2.Auth:
    from mcp.client.auth.extensions.client_credentials import (
        ClientCredentialsOAuthProvider,
        PrivateKeyJWTOAuthProvider,
        SignedJWTParameters,
    )

    cfg, url = config.oauth, config.url or ""
    if not cfg.client_id:
        raise ValueError('"oauth": client credentials need a "client_id"')
    key = cfg.private_key or (Path(cfg.private_key_file).expanduser().read_text() if cfg.private_key_file else None)
    with warnings.catch_warnings():  # an issuer left out is deprecated, not wrong: the discovered one is used
        warnings.simplefilter("ignore")
        if key or cfg.token_endpoint_auth_method == "private_key_jwt":
            if not key:
                raise ValueError('"oauth": private_key_jwt needs "private_key" or "private_key_file"')
            signer = SignedJWTParameters(issuer=cfg.client_id, subject=cfg.client_id, signing_key=key, signing_algorithm=cfg.signing_algorithm)
            return PrivateKeyJWTOAuthProvider(url, storage, cfg.client_id, signer.create_assertion_provider(), scope=cfg.scope, issuer=cfg.issuer)
        if not cfg.client_secret:
            raise ValueError('"oauth": client credentials need a "client_secret" (or a private key)')
        method = "client_secret_post" if cfg.token_endpoint_auth_method == "client_secret_post" else "client_secret_basic"
        return ClientCredentialsOAuthProvider(
            url, storage, cfg.client_id, cfg.client_secret, token_endpoint_auth_method=method, scope=cfg.scope, issuer=cfg.issuer
        )


def identity_assertion(config: ServerConfig, storage: FileTokenStorage) -> httpx2.Auth:
    from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider

    cfg = config.oauth
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

    method = "client_secret_basic" if cfg.token_endpoint_auth_method == "client_secret_basic" else "client_secret_post"
    return IdentityAssertionOAuthProvider(
        config.url or "", storage, cfg.client_id, cfg.client_secret, cfg.issuer, id_jag, scope=cfg.scope, token_endpoint_auth_method=method
    )


def accept_same_origin_issuer() -> None:
    """Servers of the 2025-03-26 spec (no protected resource metadata) publish their metadata
    at the origin's well-known URL with an issuer that may carry a path (`…/oauth`); SDK 2.3.0
    then demands the bare origin and refuses them. Metadata served by the origin itself, naming
    an issuer on that same origin, is accepted; any other mismatch is refused as before."""
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
