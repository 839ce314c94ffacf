"""A dispatch as the read side gives it (the desk's detail, the officer app and its live stream), and where
each officer is (the roster)."""

from __future__ import annotations

from pydantic import Field

from hub.domain.incidents import IncidentState
from hub.services.views.base import DateTime, Id, View


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
    state: str = Field(examples=["offered", "accepted", "en_route", "on_scene", "declined", "timed_out"])
    rule: str
    offered_at: DateTime
    accept_by: DateTime | None
    answered_at: DateTime | None
    note: str | None
    site_id: str
    kind: str
    priority: int
    incident_state: IncidentState
    event_count: int
    incident_created_at: DateTime
    officer_name: str
    snapshot_url: str | None
    steps: list[OfficerStep] = Field(description="Guided response: the officer's own steps.")
    site: DispatchSite | None = Field(None, description="Absent when the site is no longer in the district.")


class OfficerPresence(View):
    """Whether an officer is signed on, and where they last were."""

    officer_id: str
    signed_on: bool
    changed_at: DateTime
    lat: float | None
    lon: float | None
    located_at: DateTime | None
