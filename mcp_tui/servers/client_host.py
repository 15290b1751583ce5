"""What an MCP server may ask of the client (elicitation, sampling, roots), answered by the host.

The servers layer knows no face: a ServerConnection hands the SDK session the callbacks built
here, bound to its server's name, and the host (the engine, which asks the TUI or applies the
headless policy) answers. `ClientHost` itself refuses everything, as a client without the
capability would; a capability is declared to a server only when its callback is given.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import mcp_types as types

from mcp_tui import __version__
from mcp_tui.config.models import ServerConfig
from mcp_tui.servers.oauth import LoginBroker
from mcp_tui.servers.user_wait import UserWait

CLIENT_INFO = types.Implementation(name="mcp-tui", title="mcp-tui", version=__version__)


class ClientHost:
    """The default host: declares nothing, so servers never ask."""

    @property
    def logins(self) -> LoginBroker:
        """When a server's OAuth login may open the browser (the faces set it up)."""
        if "_logins" not in self.__dict__:
            self._logins = LoginBroker()
        return self._logins

    def offers_elicitation(self, config: ServerConfig) -> bool:
        return False

    def offers_sampling(self, config: ServerConfig) -> bool:
        return False

    def offers_roots(self, config: ServerConfig) -> bool:
        return False

    async def elicit(self, server: str, params: types.ElicitRequestParams) -> types.ElicitResult | types.ErrorData:
        return types.ErrorData(code=types.INVALID_REQUEST, message="Elicitation not supported")

    def elicitation_complete(self, server: str, elicitation_id: str) -> None:
        """notifications/elicitation/complete: a URL elicitation's out-of-band step is done."""

    async def sample(
        self, server: str, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        return types.ErrorData(code=types.INVALID_REQUEST, message="Sampling not supported")

    async def roots(self, server: str) -> types.ListRootsResult | types.ErrorData:
        return types.ErrorData(code=types.INVALID_REQUEST, message="Roots not supported")


def session_callbacks(config: ServerConfig, host: ClientHost, user_wait: UserWait | None = None) -> dict[str, Any]:
    """ClientSession keyword arguments for this server: only the capabilities the host offers it.
    `user_wait` holds the server's call timeouts while its question or sampling request waits."""
    name = config.name
    found: dict[str, Any] = {"client_info": CLIENT_INFO}

    def held():  # the server's calls wait on the user (and, for sampling, the model): no timeout meanwhile
        return user_wait.asking() if user_wait is not None else nullcontext()

    if host.offers_elicitation(config):
        async def elicit(context: Any, params: types.ElicitRequestParams):
            with held():
                return await host.elicit(name, params)

        found["elicitation_callback"] = elicit
    if host.offers_sampling(config):
        async def sample(context: Any, params: types.CreateMessageRequestParams):
            with held():
                return await host.sample(name, params)

        found["sampling_callback"] = sample
        # The model may call tools the server offers in its request (the server runs them).
        found["sampling_capabilities"] = types.SamplingCapability(tools=types.SamplingToolsCapability())
    if host.offers_roots(config):
        async def roots(context: Any):
            return await host.roots(name)

        found["list_roots_callback"] = roots
    return found
