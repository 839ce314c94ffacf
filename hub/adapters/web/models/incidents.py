"""Incidents at the HTTP boundary: the list and search pages, officers to dispatch, and the bodies and query
strings of the desk's actions. The incident and its parts are the read side's views (hub.services.views)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from hub.adapters.web.models.base import (
    NOT_BLANK_PATTERN,
    Body,
    DeviceId,
    DeviceRef,
    Note,
    Query,
    QueryBool,
    QueryDigits,
    View,
)
from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition
from hub.services.views.incidents import Incident

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


# ---- views ------------------------------------------------------------------------------------------


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
