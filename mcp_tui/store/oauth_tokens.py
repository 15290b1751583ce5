"""OAuth tokens and dynamically registered clients, one 0600 file per server URL.

They live in the user data folder under `oauth/`, named by a hash of the URL (the URL itself
is inside, for `mcp-tui auth list`). Every value read or written is added to the log's
secret mask, so a token never reaches a log even if a library prints it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from mcp_tui import paths
from mcp_tui.logsetup import add_secrets
from mcp_tui.store.private_file import write_private

log = logging.getLogger(__name__)


def token_dir() -> Path:
    return paths.data_dir() / "oauth"


def token_file(url: str) -> Path:
    return token_dir() / f"{hashlib.sha256(url.encode()).hexdigest()[:24]}.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _mask(data: dict[str, Any]) -> None:
    tokens, client = data.get("tokens") or {}, data.get("client") or {}
    add_secrets(v for v in (tokens.get("access_token"), tokens.get("refresh_token"), client.get("client_secret")) if isinstance(v, str))


class FileTokenStorage:
    """The SDK's `TokenStorage` for one server URL. A pre-registered client (from the config)
    is given as `fixed_client`: it is what `get_client_info` answers, never written."""

    def __init__(self, url: str, fixed_client: OAuthClientInformationFull | None = None) -> None:
        self.url = url
        self.path = token_file(url)
        self.fixed_client = fixed_client

    def _load(self) -> dict[str, Any]:
        data = _read(self.path)
        if data.get("url") != self.url:  # a hash clash or a foreign file: not ours
            return {}
        _mask(data)
        return data

    def _save(self, key: str, value: dict[str, Any]) -> None:
        data = self._load() or {"url": self.url}
        data[key] = value
        _mask(data)
        try:
            paths.ensure(self.path.parent)
            write_private(self.path, json.dumps(data, indent=1))
        except OSError as exc:  # the login still holds for this run
            log.warning("could not save the OAuth %s for %s: %s", key, self.url, exc.strerror or exc)

    async def get_tokens(self) -> OAuthToken | None:
        raw = self._load().get("tokens")
        try:
            return OAuthToken.model_validate(raw) if raw else None
        except ValueError:
            return None

    async def set_tokens(self, tokens: OAuthToken) -> None:
        saved = tokens.model_dump(mode="json", exclude_none=True)
        if tokens.expires_in is not None:  # the SDK keeps the expiry in memory only
            saved["expires_at"] = time.time() + int(tokens.expires_in)
        self._save("tokens", saved)

    def expires_at(self) -> float | None:
        """When the kept access token expires (None: unknown), so a restart refreshes it in time."""
        value = (self._load().get("tokens") or {}).get("expires_at")
        return float(value) if isinstance(value, (int, float)) else None

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        if self.fixed_client is not None:
            return self.fixed_client
        raw = self._load().get("client")
        try:
            return OAuthClientInformationFull.model_validate(raw) if raw else None
        except ValueError:
            return None

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        if self.fixed_client is None:
            self._save("client", client_info.model_dump(mode="json", exclude_none=True))

    def stored_client(self) -> OAuthClientInformationFull | None:
        """The registered client on file (for its redirect port), without the fixed one."""
        raw = self._load().get("client")
        try:
            return OAuthClientInformationFull.model_validate(raw) if raw else None
        except ValueError:
            return None


def logged_in() -> list[tuple[str, bool]]:
    """(server URL, holds a token?) for every file kept."""
    found = []
    for path in sorted(token_dir().glob("*.json")) if token_dir().is_dir() else []:
        data = _read(path)
        if isinstance(data.get("url"), str):
            found.append((data["url"], bool(data.get("tokens"))))
    return found


def forget(url: str) -> bool:
    """Remove what is kept for `url` (tokens and registered client); False if nothing was."""
    path = token_file(url)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
