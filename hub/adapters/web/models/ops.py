"""What every operation may answer (the error), the operations endpoints (liveness, readiness) and the frames
of the live stream."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from hub.adapters.web.models.base import Time, View
from hub.services.views.changes import DispatchChange, IncidentChange, WarningChange
from hub.services.views.dispatches import Dispatch
from hub.services.views.health import Dependency, HealthFrame
from hub.services.views.incidents import Incident


class ErrorDetail(View):
    code: str = Field(
        description="Stable, for programs.",
        examples=[
            "invalid_parameter",
            "invalid_id",
            "invalid_json",
            "not_found",
            "method_not_allowed",
            "internal_error",
            "database_unavailable",
            "already_acknowledged",
            "already_closed",
            "illegal_transition",
        ],
    )
    message: str = Field(description="For people.")
    params: dict[str, str | int | float | bool | list[str | int] | None] | None = Field(
        None,
        description="What the code refers to, for a console to word the refusal in its language (e.g. "
        "already_acknowledged: by, at; already_closed: state, by, at; illegal_transition: state, action)",
    )
    since: Time | None = Field(None, description="database_unavailable only: when the outage began, if known.")


class Error(View):
    """Every refusal: `{"error": {"code", "message"}}`."""

    error: ErrorDetail


class Liveness(View):
    status: Literal["ok"]


class Probe(View):
    name: str
    ready: bool


class Readiness(View):
    status: Literal["ready", "not_ready"]
    probes: list[Probe]
    dependencies: list[Dependency] | None = Field(
        None, exclude_if=lambda given: given is None, description="Absent when the server watches none."
    )
    failing: list[str] | None = Field(
        None,
        exclude_if=lambda given: given is None,
        description="The dependencies not up (down, or not checked yet); absent with `dependencies`.",
    )


class SnapshotFrame(View):
    type: Literal["snapshot"]
    incidents: list[Incident]


class ResyncFrame(View):
    type: Literal["resync"]


class PongFrame(View):
    type: Literal["pong"]


class StreamMessage(
    RootModel[
        Annotated[
            SnapshotFrame | IncidentChange | DispatchChange | WarningChange | ResyncFrame | PongFrame | HealthFrame,
            Field(discriminator="type"),
        ]
    ]
):
    """A server → client frame of /api/v1/stream. Other types may be added; clients ignore types they do not
    know."""


class DispatchSnapshotFrame(View):
    type: Literal["snapshot"]
    dispatches: list[Dispatch]


class OfficerStreamMessage(
    RootModel[
        Annotated[
            DispatchSnapshotFrame | DispatchChange | ResyncFrame | PongFrame | HealthFrame,
            Field(discriminator="type"),
        ]
    ]
):
    """A server → client frame of /api/v1/me/stream: the officer's active dispatches, then each change of one of
    them. Other types may be added; clients ignore types they do not know."""
