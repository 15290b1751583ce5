"""An MCP server behind OAuth, written with the SDK: `python -m tests.servers.oauth_server PORT [--short] [--stingy]`.

It is its own authorization server too (the SDK's auth routes): dynamic client registration,
PKCE authorization codes that it grants at once (no consent page: the stand-in browser just
follows the redirect), access tokens it checks on every MCP request. One tool, `whoami`.
--short: its access tokens last one second (with a refresh token that renews them).
--stingy: it demands the scopes "mcp admin" but grants only "mcp", so every login leaves the
client refused (403 insufficient_scope): a client must give up rather than log in for ever.
"""

from __future__ import annotations

import secrets
import sys
import time

from mcp.server.auth.provider import AccessToken, AuthorizationCode, AuthorizationParams, RefreshToken, construct_redirect_uri
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl

SCOPE = "mcp"


class GrantingProvider:
    """Keeps clients, codes and tokens in memory and approves every authorization."""

    def __init__(self, stingy: bool = False, lifetime: int = 3600) -> None:
        self.stingy, self.lifetime = stingy, lifetime
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.clients: dict[str, OAuthClientInformationFull] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, AccessToken] = {}

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        code = AuthorizationCode(
            code=secrets.token_hex(20), client_id=client.client_id, scopes=[SCOPE] if self.stingy else params.scopes or [SCOPE],
            expires_at=time.time() + 300, code_challenge=params.code_challenge, redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly, resource=params.resource,
        )
        self.codes[code.code] = code
        return construct_redirect_uri(str(params.redirect_uri), code=code.code, state=params.state)

    async def load_authorization_code(self, client: OAuthClientInformationFull, authorization_code: str) -> AuthorizationCode | None:
        return self.codes.get(authorization_code)

    async def exchange_authorization_code(self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode) -> OAuthToken:
        del self.codes[authorization_code.code]
        return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
        token, refresh = f"tok_{secrets.token_hex(20)}", f"ref_{secrets.token_hex(20)}"
        expires = time.time() + self.lifetime
        self.tokens[token] = AccessToken(token=token, client_id=client_id, scopes=scopes, expires_at=int(expires), resource=resource)
        self.refresh_tokens[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes, resource=resource)
        return OAuthToken(access_token=token, token_type="Bearer", expires_in=self.lifetime, scope=" ".join(scopes), refresh_token=refresh)

    async def load_access_token(self, token: str) -> AccessToken | None:
        found = self.tokens.get(token)
        return found if found is not None and found.expires_at > time.time() else None

    async def load_refresh_token(self, client: OAuthClientInformationFull, refresh_token: str) -> RefreshToken | None:
        return self.refresh_tokens.get(refresh_token)

    async def exchange_refresh_token(self, client, refresh_token: RefreshToken, scopes) -> OAuthToken:
        del self.refresh_tokens[refresh_token.token]  # rotated
        return self._issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource)

    async def revoke_token(self, token) -> None:
        self.tokens.pop(getattr(token, "token", ""), None)


def build(port: int, stingy: bool = False, lifetime: int = 3600) -> MCPServer:
    base = f"http://127.0.0.1:{port}"
    scopes = [SCOPE, "admin"] if stingy else [SCOPE]
    provider = GrantingProvider(stingy, lifetime)
    server = MCPServer(
        "guarded",
        auth_server_provider=provider,
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(base), resource_server_url=AnyHttpUrl(f"{base}/mcp"), required_scopes=scopes,
            client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=scopes, default_scopes=scopes),
            validate_token_resource=False,
        ),
    )

    @server.custom_route("/expire", methods=["POST"])
    async def expire(request):
        """Test control: every access token issued so far has expired (time passing, without waiting)."""
        from starlette.responses import PlainTextResponse

        for token in provider.tokens.values():
            token.expires_at = 0
        return PlainTextResponse("expired")

    @server.tool()
    def whoami() -> str:
        """Say that the caller got in."""
        return "you are logged in"

    return server


if __name__ == "__main__":
    port = int(sys.argv[1])
    build(port, stingy="--stingy" in sys.argv).run("streamable-http", host="127.0.0.1", port=port)
