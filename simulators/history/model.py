"""The generated rows, kept as plain objects so that a test can work out what a report must say."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class GenDispatch:
    officer_id: str
    state: str  # declined, timed_out, withdrawn, completed, accepted, en_route, on_scene
    offered_at: datetime
    answered_at: datetime | None


@dataclass
class GenIncident:
    id: int
    site_id: str
    kind: str
    priority: int
    test: bool
    state: str
    created_at: datetime
    acknowledged_at: datetime | None = None
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    resolved_at: datetime | None = None
    cancelled_at: datetime | None = None
    disposition: str | None = None
    escalation_count: int = 0
    arrival_overdue_at: datetime | None = None
    dispatches: list[GenDispatch] = field(default_factory=list)
    accepted_by: str | None = None  # the officer whose dispatch was accepted
    # Video verification (hub.domain.verification): asked of the site's cameras when the press opened the
    # incident; seconds from the first event to the first camera's answer (None: no answer).
    verification_requested: bool = False
    verification_s: float | None = None
    # Guided response (hub.domain.steps): who resolved it at the desk, and the steps marked done before.
    resolved_by: str | None = None
    steps_done: tuple[str, ...] = ()
    # Talk-down (hub.domain.talkdown): the verdict after a warning at the site ("deterred", "failed"; None: none).
    talkdown: str | None = None

    @property
    def closed_at(self) -> datetime | None:
        return self.resolved_at or self.cancelled_at


@dataclass
class GenEvent:
    device_id: str
    site_id: str
    device_kind: str
    type: str
    occurred_at: datetime
    received_at: datetime


@dataclass
class GenWarning:
    site_id: str
    speaker_id: str
    incident_id: int | None
    rule_id: str | None
    created_at: datetime


@dataclass
class GenPatrolView:
    camera_id: str
    site_id: str
    viewed_at: datetime
    outcome: str  # checked, observation, warning_issued (incident_opened needs an incident: not generated)


@dataclass
class GenPatrolRun:
    tour_id: str
    cameras: tuple[str, ...]
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    views: list[GenPatrolView] = field(default_factory=list)


@dataclass
class History:
    incidents: list[GenIncident] = field(default_factory=list)
    events: list[GenEvent] = field(default_factory=list)
    warnings: list[GenWarning] = field(default_factory=list)
    patrol_runs: list[GenPatrolRun] = field(default_factory=list)
