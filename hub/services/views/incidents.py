"""An incident as the read side gives it: on its own (lists, the board, the live stream) and in detail, with
its timeline, events, dispatches, warnings, media and guided-response steps. Members are in the order the API
has always sent them."""

from __future__ import annotations

from pydantic import Field

from hub.domain.incidents import IncidentState
from hub.services.views.base import DateTime, Id, View
from hub.services.views.dispatches import Dispatch
from hub.services.views.warnings import SpeakerWarning

ReasonParams = dict[str, str | int | float | bool | list[str | int] | None]


class Incident(View):
    """An incident as lists and the live stream carry it."""

    id: Id
    site_id: str
    kind: str = Field(
        description="What happened; new kinds may appear, clients show unknown kinds as they are.",
        examples=["panic", "duress", "intrusion", "tamper", "loitering", "crowd", "line_crossing", "device_offline"],
    )
    priority: int = Field(ge=1, le=4, description="1 is the most urgent.")
    state: IncidentState
    test: bool = Field(description="A test press or a site in test mode: never dispatched.")
    created_at: DateTime = Field(description="The first event: the origin of every response-time clock.")
    last_event_at: DateTime
    event_count: int = Field(ge=0, description="Events joined (button presses); 0 for an incident opened by hand.")
    acknowledged_at: DateTime | None
    dispatched_at: DateTime | None
    accepted_at: DateTime | None
    en_route_at: DateTime | None
    on_scene_at: DateTime | None
    resolved_at: DateTime | None
    cancelled_at: DateTime | None
    escalated_at: DateTime | None = Field(description="Last escalated to the supervisor (unacknowledged too long).")
    escalation_count: int = Field(ge=0)
    arrival_overdue_at: DateTime | None = Field(description="Flagged late on scene.")
    cancel_requested_at: DateTime | None = Field(description="The site asked to cancel (e.g. a disarm code).")
    disposition: str | None = Field(
        description="How it was closed.", examples=["genuine", "false_alarm", "test", "malicious", "other", "deterred"]
    )
    resolution_note: str
    changed_at: DateTime | None = Field(description="The last lifecycle transition.")
    site_name: str = Field(description="The site's name (Chinese).")
    site_name_en: str = Field(description="The site's English name.")


class TimelineEntry(View):
    at: DateTime
    actor: str = Field(examples=["device:btn-1", "user:duty-1"])
    action: str
    from_state: str | None
    to_state: str
    reason: str | None = Field(description="English text (logs, exports, older entries)")
    reason_code: str | None = Field(
        description="The reason as a code for the console to word in its language ('' when free text)",
        examples=["escalated", "route_grid", "opened_by_device", "disposition"],
    )
    reason_params: ReasonParams | None = Field(
        description="The code's parameters: ids, counts and codes (names are looked up by the reader)"
    )
    actor_name: str | None = Field(description="A console user's display name")


class IncidentEvent(View):
    device_id: str
    event_id: str
    type: str
    occurred_at: DateTime
    received_at: DateTime


class StepMark(View):
    done_at: DateTime
    actor: str
    note: str | None
    automatic: bool
    actor_name: str | None = Field(description="A console user's display name")


class Step(View):
    """A guided-response step of the incident, with its mark once done."""

    id: str
    label: dict[str, str] = Field(description="Per language: zh-CN, en.")
    required: bool
    done_by: str | None
    role: str
    done: StepMark | None


class Media(View):
    """A snapshot or clip a camera sent with an event; `url` while the hub keeps it."""

    id: Id
    kind: str = Field(examples=["snapshot", "clip"])
    state: str = Field(examples=["stored", "failed", "expired"])
    content_type: str | None
    bytes: int | None
    created_at: DateTime
    error: str | None
    device_id: str
    event_type: str
    zone: str | None
    detail: str | None
    clip_start: str | None
    clip_end: str | None
    url: str | None


class IncidentDetail(Incident):
    """The incident with its timeline, events, dispatches, warnings, media and (guided response) steps."""

    timeline: list[TimelineEntry]
    events: list[IncidentEvent]
    dispatches: list[Dispatch]
    media: list[Media]
    warnings: list[SpeakerWarning]
    steps: list[Step] | None = Field(None, description="Guided response; null where the server has none.")
