"""What the engine tells its faces (the TUI and the headless runner).

Every event is a small Pydantic model with a `type` tag, so the headless runner can
print it as one JSON line and the UI can dispatch on the class.
"""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter

from mcp_tui.models.resources import ResourceLinkRef
from mcp_tui.models.usage import TokenUsageStats
from mcp_tui.text import Shown


class Event(BaseModel):
    at: float = Field(default_factory=time.time)


class TextDelta(Event):
    type: Literal["text_delta"] = "text_delta"
    text: str


class ReasoningDelta(Event):
    """A piece of the model's thinking, streamed before (or between) its answer."""

    type: Literal["reasoning_delta"] = "reasoning_delta"
    text: str


class ToolCallEvent(Event):
    call_id: str
    server: Shown
    tool: Shown  # the server's own tool name (cleaned: it is only shown)
    qualified_name: str  # what the model called it


class ToolCallRequested(ToolCallEvent):
    type: Literal["tool_requested"] = "tool_requested"
    arguments: dict[str, Any] | None = None  # None when the model sent something that is not JSON
    raw_arguments: str = "{}"


class ToolCallAwaitingApproval(ToolCallEvent):
    type: Literal["tool_awaiting_approval"] = "tool_awaiting_approval"
    arguments: dict[str, Any]
    annotations: dict[str, Any] = Field(default_factory=dict)


class ToolCallStarted(ToolCallEvent):
    type: Literal["tool_started"] = "tool_started"


class ToolCallProgress(ToolCallEvent):
    type: Literal["tool_progress"] = "tool_progress"
    progress: float
    total: float | None = None
    message: Shown | None = None


class ToolCallFinished(ToolCallEvent):
    type: Literal["tool_finished"] = "tool_finished"
    result: str  # full text for the screen (the model may get a bounded copy)
    is_error: bool = False
    truncated: bool = False  # the model got a bounded copy; the session keeps the whole text beside it
    duration: float
    links: list[ResourceLinkRef] = Field(default_factory=list)  # resources the result points to


# denied: the user said no; refused: the --approve policy did, and nobody was asked
FailureKind = Literal["failed", "timeout", "denied", "refused", "cancelled", "invalid_arguments", "unknown_tool"]


class ToolCallFailed(ToolCallEvent):
    type: Literal["tool_failed"] = "tool_failed"
    kind: FailureKind
    error: Shown
    duration: float = 0.0


class UsageUpdated(Event):
    type: Literal["usage_updated"] = "usage_updated"
    usage: TokenUsageStats
    threshold: int


class SegmentRolled(Event):
    type: Literal["segment_rolled"] = "segment_rolled"
    segment: int  # 1-based number of the new segment
    summary: Shown
    reason: Shown = ""  # why it rolled, when it rolled by itself


class TurnFinished(Event):
    type: Literal["turn_finished"] = "turn_finished"
    content: str
    rounds: int
    cancelled: bool = False
    cut: Shown | None = None  # why the answer is incomplete when the provider cut it (finish_reason length)
    usage: TokenUsageStats | None = None  # this turn's requests: tokens and cost
    refusal: Shown | None = None  # the model declined to answer, in its words


class TurnFailed(Event):
    type: Literal["turn_failed"] = "turn_failed"
    error: Shown
    kind: str = "unknown"
    hint: Shown = ""


class ToolSchemasLarge(Event):
    """The tool schemas sent with every request are large (many tools or many KiB)."""

    type: Literal["tool_schemas_large"] = "tool_schemas_large"
    tools: int
    schema_bytes: int
    tokens: int  # estimated
    message: Shown


class ToolsLeftOut(Event):
    """More tools than a request may carry (--max-tools): these servers' tools were left out."""

    type: Literal["tools_left_out"] = "tools_left_out"
    offered: int
    total: int
    left_out: list[Shown]  # "git (12 tools)", "many (1,872 of 2,000 tools)"
    message: Shown


class SavingChanged(Event):
    """The session file stopped (or started again) taking writes; the chat goes on either way."""

    type: Literal["saving_changed"] = "saving_changed"
    saving: bool
    path: Shown
    error: Shown = ""

    @property
    def warning(self) -> str:
        """What both faces say while nothing is saved."""
        folder = PurePath(self.path).parent
        return (
            f"This session is not being saved: {self.error} ({self.path}). The chat goes on in memory; "
            f"free some space or make {folder} writable, and the next step saves everything missed."
        )


class ServerStateChanged(Event):
    type: Literal["server_state"] = "server_state"
    name: Shown
    state: str
    reason: Shown | None = None
    tool_count: int = 0
    tool_tokens: int = 0  # what its tool definitions add to every request (estimated)
    tools_on: bool = True  # False: switched off for this session, not offered to the model
    reconnecting: bool = False  # a remote server that dropped, between tries to reconnect: no alarm yet


class SamplingHandled(Event):
    """A server's sampling request (sampling/createMessage): answered by the current model, or
    refused (by the user, the headless policy, or because mcp-tui cannot answer it)."""

    type: Literal["sampling"] = "sampling"
    server: Shown
    answered: bool
    failed: bool = False  # approved, but the model failed
    model: Shown = ""
    tokens: int = 0  # prompt and completion of the request, counted in the session's totals
    cost: float | None = None
    reason: Shown = ""  # why it was refused or failed

    @property
    def note(self) -> str:
        """What both faces say about it."""
        if self.answered:
            cost = f", ${self.cost:.4f}" if self.cost else ""
            return f"sampling for {self.server}: {self.tokens:,} tokens ({self.model}{cost})"
        return f"sampling request from {self.server} {'failed' if self.failed else 'refused'}: {self.reason}"


class ResourceChanged(Event):
    """A subscribed resource (one attached to the conversation) changed on its server."""

    type: Literal["resource_changed"] = "resource_changed"
    server: Shown
    uri: Shown


class ServerLogged(Event):
    """A log message a server sent (notifications/message), at the level asked of it or above."""

    type: Literal["server_log"] = "server_log"
    server: Shown
    level: str
    logger: Shown | None = None
    text: Shown  # its data: a string, or JSON pretty-printed; bounded

    @property
    def is_error(self) -> bool:
        return self.level in ("error", "critical", "alert", "emergency")


class ElicitationAnswered(Event):
    """A server asked the user something (elicitation/create), and what it was answered."""

    type: Literal["elicitation"] = "elicitation"
    server: Shown
    mode: Literal["form", "url"] = "form"
    message: Shown
    fields: list[Shown] = Field(default_factory=list)  # the form's field names
    url: Shown | None = None
    action: Literal["accept", "decline", "cancel"]
    by: Shown = "you"  # who answered: "you", or the headless flag that did
    why: Shown = ""  # why a policy answered otherwise than it says (no default for a required field)
    content: dict[str, Any] | None = None  # what a policy sent (the server's own defaults); never what a user typed


class ElicitationCompleted(Event):
    """The server says an out-of-band (URL) elicitation finished."""

    type: Literal["elicitation_complete"] = "elicitation_complete"
    server: Shown
    elicitation_id: Shown


AnyEvent = Annotated[
    Union[
        TextDelta,
        ReasoningDelta,
        ToolCallRequested,
        ToolCallAwaitingApproval,
        ToolCallStarted,
        ToolCallProgress,
        ToolCallFinished,
        ToolCallFailed,
        UsageUpdated,
        SegmentRolled,
        TurnFinished,
        TurnFailed,
        ToolSchemasLarge,
        ToolsLeftOut,
        SavingChanged,
        ServerStateChanged,
        SamplingHandled,
        ResourceChanged,
        ServerLogged,
        ElicitationAnswered,
        ElicitationCompleted,
    ],
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(AnyEvent)


def parse_event(line: str | bytes) -> Event:
    """Read back one `--json` line (the tests and scripts use it)."""
    return EVENT_ADAPTER.validate_json(line)
