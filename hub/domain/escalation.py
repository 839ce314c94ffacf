"""Response targets per priority, and the timers that watch them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hub.domain.incidents import Priority


@dataclass(frozen=True, slots=True)
class ResponseTargets:
    ack_s: int  # unacknowledged longer: escalate to the supervisor (and again every ack_s)
    accept_s: int  # a dispatch not accepted in time goes to the next officer
    arrival_s: int  # not on scene within this (from the first event): flagged


DEFAULT_TARGETS: dict[Priority, ResponseTargets] = {
    Priority.P1: ResponseTargets(ack_s=30, accept_s=60, arrival_s=600),
    Priority.P2: ResponseTargets(ack_s=60, accept_s=90, arrival_s=900),
    Priority.P3: ResponseTargets(ack_s=300, accept_s=180, arrival_s=1800),
    Priority.P4: ResponseTargets(ack_s=900, accept_s=300, arrival_s=3600),
}


class TimerKind(StrEnum):
    ROUTE = "route"  # dispatch automatically (due at once when the incident opens)
    ACK = "ack"
    ACCEPT = "accept"
    ARRIVAL = "arrival"
    TALKDOWN = "talkdown"  # the end of the watch after a warning (hub.domain.talkdown)


@dataclass(frozen=True, slots=True)
class Timer:
    """A deadline kept in the database so it survives restarts; fired exactly once."""

    kind: TimerKind
    incident_id: int
    due_at: datetime
    dispatch_id: int | None = None
    id: int | None = None


def ack_deadline(created_at: datetime, targets: ResponseTargets) -> datetime:
    return created_at + timedelta(seconds=targets.ack_s)


def arrival_deadline(created_at: datetime, targets: ResponseTargets) -> datetime:
    return created_at + timedelta(seconds=targets.arrival_s)


def accept_deadline(offered_at: datetime, targets: ResponseTargets) -> datetime:
    return offered_at + timedelta(seconds=targets.accept_s)
