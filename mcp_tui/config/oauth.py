"""A remote server's `"oauth"` entry: how mcp-tui authorizes itself to it (OAuth 2.1).

Nothing to write for most servers: a server that answers 401 is discovered (its protected
resource and authorization server metadata), mcp-tui registers itself (dynamic registration,
or a client ID metadata document when `client_metadata_url` is given and the server accepts
it) and the user logs in in the browser. The keys below are for servers that need more:
a pre-registered client, machine-to-machine client credentials, or enterprise-managed
authorization (SEP-990, an identity assertion from the company's identity provider).
`"oauth": false` turns OAuth off for a server (a static `Authorization` header, say).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

GrantType = Literal["authorization_code", "client_credentials", "identity_assertion"]
AuthMethod = Literal["none", "client_secret_basic", "client_secret_post", "private_key_jwt"]
MASK = "•••"


class IdentityProvider(BaseModel):
    """Where an enterprise identity token is exchanged for an ID-JAG (RFC 8693)."""

    model_config = ConfigDict(extra="forbid")

    token_endpoint: str
    client_id: str | None = None
    client_secret: str | None = None
    id_token: str  # the user's identity token from the company's identity provider: a secret


class OAuthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    grant_type: GrantType = "authorization_code"
    client_id: str | None = None  # pre-registered: no dynamic registration
    client_secret: str | None = None
    token_endpoint_auth_method: AuthMethod | None = None
    scope: str | None = None  # client credentials / identity assertion; the browser login asks the server
    client_metadata_url: str | None = None  # https URL of this client's metadata document (CIMD)
    redirect_port: int | None = Field(default=None, ge=1, le=65535)  # fixed port of the local redirect listener
    issuer: str | None = None  # the authorization server the credentials belong to
    private_key: str | None = None  # PEM, for private_key_jwt client credentials
    private_key_file: str | None = None
    signing_algorithm: str = "RS256"
    idp: IdentityProvider | None = None

    def secret_values(self) -> set[str]:
        found = {self.client_secret, self.private_key}
        if self.idp is not None:
            found |= {self.idp.client_secret, self.idp.id_token}
        return {v for v in found if v}

    def redacted(self) -> dict:
        data = self.model_dump(mode="json", exclude_none=True)
        for key in ("client_secret", "private_key"):
            if key in data:
                data[key] = MASK
        for key in ("client_secret", "id_token"):
            if key in data.get("idp", {}):
                data["idp"][key] = MASK
        return data
