"""What every operation may answer (the error), the operations endpoints (liveness, readiness) and the frames
of the live stream."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel

from hub.adapters.web.models.base import View
from hub.adapters.web.models.error import Error as Error
from hub.adapters.web.models.error import ErrorDetail as ErrorDetail
from hub.services.views.changes import DispatchChange, IncidentChange, WarningChange
from hub.services.views.dispatches import Dispatch
from hub.services.views.health import Dependency, HealthFrame
from hub.services.views.incidents import Incident


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
        description=(
            "The dependencies not up (down, starting, or not checked yet): each holds readiness; absent "
            "with `dependencies`."
        ),
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
