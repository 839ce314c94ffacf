"""Incidents at the HTTP boundary: the incident and its parts as the read side sends them, the list and
search pages, and the bodies and query strings of the desk's actions on them."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from hub.adapters.web.models.base import (
    NOT_BLANK_PATTERN,
    Body,
    DeviceId,
    DeviceRef,
    Id,
    Note,
    Query,
    QueryBool,
    QueryDigits,
    Time,
    View,
)
from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_OFFSET = 100_000

StateFilter = Literal[
    "open", "all", "new", "acknowledged", "dispatched", "accepted", "en_route", "on_scene", "resolved", "cancelled"
]
SearchState = Literal[
    "open", "closed", "new", "acknowledged", "dispatched", "accepted", "en_route", "on_scene", "resolved", "cancelled"
]
DispositionName = Literal["genuine", "false_alarm", "test", "malicious", "other", "deterred"]
assert set(get_args(StateFilter)) == {"open", "all", *(s.value for s in IncidentState)}
assert set(get_args(SearchState)) == {"open", "closed", *(s.value for s in IncidentState)}
assert set(get_args(DispositionName)) == {d.value for d in Disposition}

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
TimeOrNull = Time | None


# ---- views ------------------------------------------------------------------------------------------


class Incident(View):
    """An incident as lists and the live stream carry it."""

    id: Id
    site_id: str
    site_name: str = Field(description="The site's name (Chinese).")
    site_name_en: str = Field(description="The site's English name.")
    kind: str = Field(
        description="What happened; new kinds may appear, clients show unknown kinds as they are.",
        examples=["panic", "duress", "intrusion", "tamper", "loitering", "crowd", "line_crossing", "device_offline"],
    )
    priority: int = Field(ge=1, le=4, description="1 is the most urgent.")
    state: IncidentState
    test: bool = Field(description="A test press or a site in test mode: never dispatched.")
    created_at: Time = Field(description="The first event: the origin of every response-time clock.")
    last_event_at: Time
    event_count: int = Field(ge=0, description="Events joined (button presses); 0 for an incident opened by hand.")
    acknowledged_at: TimeOrNull
    dispatched_at: TimeOrNull
    accepted_at: TimeOrNull
    en_route_at: TimeOrNull
    on_scene_at: TimeOrNull
    resolved_at: TimeOrNull
    cancelled_at: TimeOrNull


class TimelineEntry(View):
    at: Time
    actor: str = Field(examples=["device:btn-1", "user:duty-1"])
    action: str
    from_state: str | None
    to_state: str
    reason: str | None = Field(None, description="English text (logs, exports, older entries)")
    reason_code: str | None = Field(
        None,
        description="The reason as a code for the console to word in its language ('' when free text)",
        examples=["escalated", "route_grid", "opened_by_device", "disposition"],
    )
    reason_params: dict[str, str | int | float | bool | list[str | int] | None] | None = Field(
        None, description="The code's parameters: ids, counts and codes (names are looked up by the reader)"
    )
    actor_name: str | None = Field(None, description="A console user's display name")


class IncidentEvent(View):
    device_id: str
    event_id: str
    type: str
    occurred_at: Time
    received_at: Time


class StepMark(View):
    done_at: Time
    actor: str
    actor_name: str | None = None
    note: str | None = None
    automatic: bool | None = None


class Step(View):
    """A guided-response step of the incident, with its mark once done."""

    id: str
    label: dict[str, str] = Field(description="Per language: zh-CN, en.")
    required: bool
    done_by: str | None
    role: str
    done: StepMark | None


class OfficerStep(View):
    id: str
    label: dict[str, str]
    required: bool
    done: bool


class DispatchSite(View):
    id: str
    name: str
    name_en: str
    address: str
    lat: float | None
    lon: float | None
    contact_name: str
    contact_phone: str
    navigation: str | None = Field(description="A geo: URI for the phone's map app.")


class Dispatch(View):
    """An officer sent to an incident, with what the officer app shows of it."""

    id: Id
    incident_id: Id
    officer_id: str
    officer_name: str
    state: str = Field(examples=["offered", "accepted", "en_route", "on_scene", "declined", "timed_out"])
    rule: str
    offered_at: Time
    accept_by: TimeOrNull
    answered_at: TimeOrNull
    note: str | None
    site_id: str
    kind: str
    priority: int
    incident_state: IncidentState
    event_count: int
    incident_created_at: Time
    snapshot_url: str | None
    steps: list[OfficerStep] = Field(description="Guided response: the officer's own steps.")
    site: DispatchSite | None = None


class SpeakerWarning(View):
    """A spoken warning sent to one loudspeaker, with the speaker's latest answer."""

    id: Id
    command_id: str
    speaker_id: str
    speaker_label: str
    site_id: str
    incident_id: int | None
    rule_id: str | None
    message_id: str | None
    text: str
    lang: str
    audio_url: str
    duration_s: float
    repeat: int
    volume: int
    priority: int
    expires_at: Time
    state: Literal["sent", "received", "playing", "done", "failed", "expired"]
    error: str
    attempts: int
    created_by: str
    created_at: Time
    received_at: TimeOrNull
    playing_at: TimeOrNull
    finished_at: TimeOrNull


class Media(View):
    """A snapshot or clip a camera sent with an event; `url` while the hub keeps it."""

    id: Id
    kind: str = Field(examples=["snapshot", "clip"])
    state: str = Field(examples=["stored", "failed", "expired"])
    content_type: str | None
    bytes: int | None
    created_at: Time
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
    warnings: list[SpeakerWarning]
    media: list[Media]
    steps: list[Step] | None = None


class IncidentList(View):
    incidents: list[Incident]


class SearchPage(View):
    incidents: list[Incident]
    total: int = Field(description="How many match in all.")
    limit: int
    offset: int


class Candidate(View):
    officer_id: str
    name: str
    phone: str
    rule: str
    distance_m: int | None
    available: bool
    why_not: str | None


class Candidates(View):
    """Officers in routing order (grid → nearest → supervisor) with availability."""

    candidates: list[Candidate]


# ---- query strings ------------------------------------------------------------------------------------


class IncidentListQuery(Query):
    empty_is_absent = False
    state: StateFilter = Field(
        "open", description="A state; `open` (every state but resolved and cancelled, the default) or `all`."
    )
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), QueryDigits] = DEFAULT_LIMIT


class SearchQuery(Query):
    site: DeviceId | None = Field(None, description="A site id.")
    kind: Kind | None = Field(None, description="An incident kind (panic, intrusion, ...).")
    state: SearchState | None = Field(None, description="A state, `open` or `closed`.")
    disposition: DispositionName | None = Field(None, description="How it was closed.")
    from_: str | None = Field(None, alias="from", description="Opened at or after.", examples=["2024-05-01"])
    to: str | None = Field(None, description="Opened before (a date: up to the end of that day).")
    escalated: QueryBool | None = Field(
        None, description="Escalated to the supervisor or flagged late on scene (true), or neither (false)."
    )
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE), QueryDigits] = Field(DEFAULT_PAGE, description="Page size.")
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET), QueryDigits] = Field(0, description="Rows to skip.")


# ---- bodies ---------------------------------------------------------------------------------------------


class DispatchBody(Body):
    officer_id: DeviceRef | None = Field(None, description="The officer to send; else routing chooses.")


class ResolveBody(Body):
    disposition: Disposition
    note: Note | None = None
    steps_reason: Note | None = Field(
        None, description="why required response steps are open (else 409 `steps_open`); recorded"
    )


class NoteBody(Body):
    note: Note | None = None


class TimelineNote(Body):
    text: Annotated[str, StringConstraints(max_length=2000, pattern=NOT_BLANK_PATTERN)]
