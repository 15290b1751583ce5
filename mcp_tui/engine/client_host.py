"""The engine's answers to what servers ask of the client (elicitation, sampling, roots).

Each request is put to the face the engine runs under (the TUI asks the user; the headless
runner applies its policy flags) through the askers set on this host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mcp_types as types

from mcp_tui.config.models import ServerConfig
from mcp_tui.engine.elicitation import Elicitor
from mcp_tui.engine.sampling import Sampler
from mcp_tui.servers.client_host import ClientHost
from mcp_tui.servers.roots import SessionRoots

if TYPE_CHECKING:
    from mcp_tui.engine.chat_engine import ChatEngine


class EngineHost(ClientHost):
    def __init__(self, engine: ChatEngine) -> None:
        self.engine = engine
        self.elicitor = Elicitor(engine.settings.elicit, engine._notify)  # the TUI sets elicitor.asker
        self.session_roots = SessionRoots()  # /roots add and /roots remove change it
        self.sampler = Sampler(engine)  # the TUI sets sampler.asker

    def offers_elicitation(self, config: ServerConfig) -> bool:
        return True

    async def elicit(self, server: str, params: types.ElicitRequestParams) -> types.ElicitResult | types.ErrorData:
        return await self.elicitor.elicit(server, params)

    def elicitation_complete(self, server: str, elicitation_id: str) -> None:
        self.elicitor.completed(server, elicitation_id)

    def offers_roots(self, config: ServerConfig) -> bool:
        return self.session_roots.offered(config)

    async def roots(self, server: str) -> types.ListRootsResult | types.ErrorData:
        config = next((c for c in self.engine.server_configs if c.name == server), None)
        return self.session_roots.result(config) if config is not None else await super().roots(server)

    def offers_sampling(self, config: ServerConfig) -> bool:
        return config.sampling

    async def sample(self, server: str, params: types.CreateMessageRequestParams) -> types.CreateMessageResult | types.ErrorData:
        return await self.sampler.answer(server, params)
