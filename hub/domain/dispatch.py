"""A dispatch: one officer sent to one incident, and that officer's answers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class DispatchState(StrEnum):
    OFFERED = "offered"  # pushed to the officer, waiting for accept/decline
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    COMPLETED = "completed"  # the incident was resolved or cancelled
    DECLINED = "declined"
    TIMED_OUT = "timed_out"  # not accepted in time: the next officer gets it
    WITHDRAWN = "withdrawn"  # the desk sent someone else


ACTIVE_DISPATCH_STATES = frozenset(
    {DispatchState.OFFERED, DispatchState.ACCEPTED, DispatchState.EN_ROUTE, DispatchState.ON_SCENE}
)


class RouteRule(StrEnum):
    GRID = "grid"  # the officer on duty for the site's grid
    NEAREST = "nearest"  # the nearest available officer
    SUPERVISOR = "supervisor"  # nobody else: the station supervisor
    MANUAL = "manual"  # chosen by the duty desk


@dataclass(frozen=True, slots=True)
class Dispatch:
    id: int | None
    incident_id: int
    officer_id: str
    state: DispatchState
    rule: RouteRule
    offered_at: datetime
    accept_by: datetime
    answered_at: datetime | None = None
    note: str = ""

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_DISPATCH_STATES

    def moved_to(self, state: DispatchState, at: datetime, note: str = "") -> Dispatch:
        answered = self.answered_at
        if self.state is DispatchState.OFFERED and state is not DispatchState.OFFERED:
            answered = at
        return replace(self, state=state, answered_at=answered, note=note or self.note)
