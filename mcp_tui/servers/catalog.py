"""A server's prompts, resources and resource templates: listed at connect when the server
has the capability, listed again when it says they changed, and the requests that use them
(get a prompt, read a resource, complete an argument, subscribe to a resource).

The connection's owner task calls `load` and `refresh`; other tasks make requests on the
session it holds. Nothing here fails the connection: a listing that fails is logged and
leaves the previous one.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from pydantic import BaseModel, Field

from mcp_tui.servers import errors
from mcp_tui.text import Shown

log = logging.getLogger(__name__)

MAX_PAGES = 100  # a server paging forever must not hang us


class PromptArg(BaseModel):
    name: str
    description: Shown = ""
    required: bool = False


class PromptInfo(BaseModel):
    server: str
    name: str
    title: Shown | None = None
    description: Shown = ""
    arguments: list[PromptArg] = Field(default_factory=list)

    @property
    def required(self) -> list[str]:
        return [a.name for a in self.arguments if a.required]


class ResourceInfo(BaseModel):
    server: str
    uri: str
    name: Shown = ""
    title: Shown | None = None
    description: Shown = ""
    mime_type: str | None = None
    size: int | None = None


class TemplateInfo(BaseModel):
    server: str
    uri_template: str
    name: Shown = ""
    description: Shown = ""
    mime_type: str | None = None

    @property
    def variables(self) -> list[str]:
        return template_variables(self.uri_template)


class CatalogError(Exception):
    """A prompt, resource or completion request that failed; the message says why."""


_VARIABLE = re.compile(r"\{[+#./;?&]?([^}]*)\}")


def template_variables(template: str) -> list[str]:
    """The variable names of an RFC 6570 template, in order ({a}, {+a}, {?a,b} …)."""
    names: list[str] = []
    for match in _VARIABLE.finditer(template):
        names += [n.strip().rstrip("*").split(":")[0] for n in match.group(1).split(",") if n.strip()]
    return names


def _capabilities(session: ClientSession) -> types.ServerCapabilities:
    return session.server_capabilities or types.ServerCapabilities()


async def _pages(call: Callable[..., Awaitable[Any]], field: str) -> list[Any]:
    found: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await call(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        found.extend(getattr(page, field))
        cursor = page.next_cursor
        if not cursor:
            break
    return found


class Catalog:
    def __init__(self, server: str) -> None:
        self.server = server
        self.prompts: list[PromptInfo] = []
        self.resources: list[ResourceInfo] = []
        self.templates: list[TemplateInfo] = []
        self.subscribed: set[str] = set()  # kept across reconnects: subscribed again at the next load
        self.stale: set[str] = set()  # "prompts", "resources": to list again
        self.on_updated: Callable[[str, str], None] | None = None  # (server, uri) of a changed resource
        self.can_complete = False
        self.can_subscribe = False

    # -- listings (the owner task) ---------------------------------------------

    async def load(self, session: ClientSession, timeout: float) -> None:
        """Everything the server offers, at connect; subscriptions made before a reconnect are made again."""
        caps = _capabilities(session)
        self.can_complete = caps.completions is not None
        self.can_subscribe = bool(caps.resources and caps.resources.subscribe)
        self.prompts, self.resources, self.templates = [], [], []
        self.stale = {"prompts", "resources"}
        await self.refresh(session, timeout)
        for uri in sorted(self.subscribed):
            try:
                with anyio.fail_after(timeout):
                    await self._subscribe(session, uri)
            except Exception as exc:
                log.warning("server %s: subscribing again to %s failed: %s", self.server, uri, errors.describe(exc))

    def note(self, message: Any) -> bool:
        """A notification from the server; True when a listing must be refreshed."""
        if isinstance(message, types.PromptListChangedNotification):
            self.stale.add("prompts")
            return True
        if isinstance(message, types.ResourceListChangedNotification):
            self.stale.add("resources")
            return True
        if isinstance(message, types.ResourceUpdatedNotification) and self.on_updated is not None:
            self.on_updated(self.server, message.params.uri)
        return False

    async def refresh(self, session: ClientSession, timeout: float) -> bool:
        """List again what went stale; True when a listing was replaced."""
        caps = _capabilities(session)
        changed = False
        stale, self.stale = self.stale, set()
        if "prompts" in stale and caps.prompts is not None:
            changed |= await self._list(self._list_prompts, session, timeout, "prompts")
        if "resources" in stale and caps.resources is not None:
            changed |= await self._list(self._list_resources, session, timeout, "resources")
        return changed

    async def _list(self, lister: Callable[[ClientSession], Awaitable[None]], session: ClientSession, timeout: float, what: str) -> bool:
        try:
            with anyio.fail_after(timeout):
                await lister(session)
            return True
        except Exception as exc:
            log.warning("server %s: listing %s failed: %s", self.server, what, errors.describe(exc))
            return False

    async def _list_prompts(self, session: ClientSession) -> None:
        found = await _pages(session.list_prompts, "prompts")
        self.prompts = [
            PromptInfo(
                server=self.server, name=p.name, title=p.title, description=p.description or "",
                arguments=[PromptArg(name=a.name, description=a.description or "", required=bool(a.required)) for a in p.arguments or []],
            )
            for p in found
        ]

    async def _list_resources(self, session: ClientSession) -> None:
        found = await _pages(session.list_resources, "resources")
        try:  # templates are optional even for a server with resources
            templates = await _pages(session.list_resource_templates, "resource_templates")
        except MCPError as exc:
            log.info("server %s: no resource templates (%s)", self.server, exc.error.message)
            templates = []
        self.resources = [
            ResourceInfo(server=self.server, uri=r.uri, name=r.name, title=r.title, description=r.description or "", mime_type=r.mime_type, size=r.size)
            for r in found
        ]
        self.templates = [
            TemplateInfo(server=self.server, uri_template=t.uri_template, name=t.name, description=t.description or "", mime_type=t.mime_type)
            for t in templates
        ]

    # -- requests (any task) ---------------------------------------------------

    def prompt(self, name: str) -> PromptInfo | None:
        return next((p for p in self.prompts if p.name == name), None)

    async def get_prompt(self, session: ClientSession, name: str, arguments: dict[str, str], timeout: float) -> types.GetPromptResult:
        return await _ask(self.server, f"prompt {name}", timeout, session.get_prompt(name, arguments or None))

    async def read(self, session: ClientSession, uri: str, timeout: float) -> types.ReadResourceResult:
        return await _ask(self.server, f"resource {uri}", timeout, session.read_resource(uri))

    async def complete(
        self, session: ClientSession, ref: types.PromptReference | types.ResourceTemplateReference,
        argument: str, value: str, context: dict[str, str] | None, timeout: float,
    ) -> list[str]:
        """Values the server suggests for an argument; none when it cannot complete."""
        if not self.can_complete:
            return []
        result = await _ask(self.server, "completion", timeout, session.complete(ref, {"name": argument, "value": value}, context or None))
        return list(result.completion.values)

    async def subscribe(self, session: ClientSession, uri: str, timeout: float) -> bool:
        """Ask for resources/updated notifications of `uri`; False when the server offers none."""
        if not self.can_subscribe:
            return False
        if uri not in self.subscribed:
            await _ask(self.server, f"subscribing to {uri}", timeout, self._subscribe(session, uri))
            self.subscribed.add(uri)
        return True

    async def _subscribe(self, session: ClientSession, uri: str) -> None:
        with warnings.catch_warnings():  # deprecated only for 2026-07-28 sessions; we negotiate 2025-11-25
            warnings.simplefilter("ignore")
            await session.subscribe_resource(uri)


async def _ask(server: str, what: str, timeout: float, request: Awaitable[Any]) -> Any:
    try:
        with anyio.fail_after(timeout):
            return await request
    except TimeoutError:
        raise CatalogError(f"{server} did not answer ({what}) within {timeout:g}s") from None
    except MCPError as exc:
        raise CatalogError(f"{server} refused {what}: {exc.error.message}") from None
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        raise CatalogError(f"{server}: the connection closed") from None
    except Exception as exc:
        raise CatalogError(f"{server}: {what} failed: {errors.describe(exc)}") from None
