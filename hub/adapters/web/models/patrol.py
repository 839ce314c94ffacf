"""Video patrol at the HTTP boundary: tours and whether they are due, rounds and their views, the
supervisor's patrol log, and incidents opened by hand from the desk."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from hub.adapters.web.models.base import Body, DateTime, DeviceId, DeviceRef, Id, Query, QueryDigits, View
from hub.adapters.web.models.incidents import Kind
from hub.domain.patrol import MAX_NOTE, MAX_WARNINGS_PER_VIEW, Outcome, TourState
from hub.services.views.incidents import IncidentDetail

DEFAULT_LOG_LIMIT = 200
MAX_LOG_LIMIT = 2000
MANUAL_KIND = "patrol_observation"


class PatrolCamera(View):
    id: str
    label: str
    site_id: str | None
    site_name: str | None
    site_name_en: str | None
    speakers: list[str] = Field(
        description="Where a warning about this camera plays (its linked speakers, else its site's)."
    )
    live: Literal["mjpeg", "rtsp", "file", "none"] = Field(
        description="`mjpeg`: the hub relays it (live_url, snapshot_url); otherwise no live view."
    )
    live_url: str | None
    snapshot_url: str | None


class PatrolRun(View):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tour_id: str
    tour_name: str
    cameras: list[str] = Field(description="As when it started.")
    dwell_s: int
    started_by: str
    started_at: DateTime
    shift: str = Field(examples=["2026-10-05 night"])
    finished_at: DateTime | None
    finished_by: str | None
    views: int = Field(description="Views logged so far.")


class PatrolView(View):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    camera_id: str
    site_id: str
    viewed_at: DateTime
    outcome: Outcome
    note: str
    incident_id: int | None
    warning_ids: list[int]
    logged_by: str


class Window(View):
    days: list[str]
    from_: str = Field(alias="from")
    to: str


class PatrolTour(View):
    id: str
    name: str
    name_en: str
    dwell_s: int
    round_s: int = Field(description="cameras × dwell_s")
    schedule: list[Window]
    every_s: int | None
    grace_s: int = Field(description="Overdue this long after falling due.")
    state: TourState
    due_at: DateTime | None = Field(description="When the round now due fell due (null: never run).")
    next_due_at: DateTime | None = Field(description="When the next round falls due (not due now).")
    last_run: PatrolRun | None
    open_runs: list[PatrolRun] = Field(description="Rounds under way.")
    cameras: list[PatrolCamera]


class TourList(View):
    """The tours, in the district file's order."""

    timezone: str
    now: DateTime
    tours: list[PatrolTour]


class RunStarted(View):
    run: PatrolRun


class ViewLogged(View):
    view: PatrolView


class RunSummary(View):
    model_config = ConfigDict(from_attributes=True)

    views: int
    cameras: int
    cameras_viewed: list[str]
    cameras_missed: list[str]
    by_outcome: dict[str, int]


class RunFinished(View):
    run: PatrolRun
    summary: RunSummary


class LogEntry(PatrolView):
    camera_label: str
    tour_id: str
    tour_name: str
    shift: str


class PatrolLog(View):
    views: list[LogEntry]
    from_: DateTime | None = Field(alias="from")
    to: DateTime | None
    limit: int


class ManualIncident(View):
    incident: IncidentDetail
    created: bool = Field(description="Opened (201), or the site's open incident with the note added (200).")


class StartRunBody(Body):
    tour_id: DeviceRef


class ViewBody(Body):
    camera_id: DeviceRef
    outcome: Outcome
    note: Annotated[str, Field(max_length=MAX_NOTE)] | None = None
    incident_id: Id | None = None
    warning_ids: Annotated[list[Id], Field(max_length=MAX_WARNINGS_PER_VIEW)] | None = None


class ManualIncidentBody(Body):
    site_id: DeviceRef
    kind: Kind = MANUAL_KIND
    priority: int = Field(3, ge=1, le=4)
    note: Annotated[str, Field(max_length=MAX_NOTE)] | None = None


class PatrolLogQuery(Query):
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    camera: DeviceId | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LOG_LIMIT), QueryDigits] = DEFAULT_LOG_LIMIT
