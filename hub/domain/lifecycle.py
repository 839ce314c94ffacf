"""The incident state machine: new → acknowledged → dispatched → accepted → en_route → on_scene →
resolved, with cancelled reachable from any open state. Every transition yields an append-only
timeline entry (who, when, why). Clocks are set once, never move backwards, and the final states
absorb: nothing leaves resolved or cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.incidents import FINAL_STATES, OPEN_STATES, Incident, IncidentState, TimelineEntry

S = IncidentState


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    DECLINE = "decline"  # the dispatched officer declines (or does not answer): back to the desk
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVE = "resolve"
    CANCEL = "cancel"


class Disposition(StrEnum):
    GENUINE = "genuine"
    FALSE_ALARM = "false_alarm"
    TEST = "test"
    MALICIOUS = "malicious"
    OTHER = "other"
    DETERRED = "deterred"  # the person left after a warning (hub.domain.talkdown)


class IllegalTransition(ValueError):
    def __init__(self, incident: Incident, action: Action, why: str = "") -> None:
        self.state = incident.state
        self.action = action
        super().__init__(why or f"cannot {action.value} an incident that is {incident.state.value}")


_FROM: dict[Action, frozenset[IncidentState]] = {
    Action.ACKNOWLEDGE: OPEN_STATES,  # allowed once: see _check
    Action.DISPATCH: frozenset({S.NEW, S.ACKNOWLEDGED, S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE}),
    Action.ACCEPT: frozenset({S.DISPATCHED}),
    Action.DECLINE: frozenset({S.DISPATCHED}),
    Action.EN_ROUTE: frozenset({S.ACCEPTED}),
    Action.ON_SCENE: frozenset({S.ACCEPTED, S.EN_ROUTE}),
    Action.RESOLVE: OPEN_STATES,
    Action.CANCEL: OPEN_STATES,
}

# The clock each state sets the first time it is reached.
_CLOCKS: dict[IncidentState, str] = {
    S.ACKNOWLEDGED: "acknowledged_at",
    S.DISPATCHED: "dispatched_at",
    S.ACCEPTED: "accepted_at",
    S.EN_ROUTE: "en_route_at",
    S.ON_SCENE: "on_scene_at",
    S.RESOLVED: "resolved_at",
    S.CANCELLED: "cancelled_at",
}
_CLOCK_FIELDS = ("created_at", "changed_at", *(_CLOCKS[s] for s in _CLOCKS))


@dataclass(frozen=True, slots=True)
class Transition:
    incident: Incident
    entry: TimelineEntry


def latest_clock(incident: Incident) -> datetime:
    return max(getattr(incident, f) for f in _CLOCK_FIELDS if getattr(incident, f) is not None)


def _check(incident: Incident, action: Action) -> None:
    if incident.state in FINAL_STATES:
        raise IllegalTransition(incident, action, f"the incident is already {incident.state.value}")
    if incident.state not in _FROM[action]:
        raise IllegalTransition(incident, action)
    if action is Action.ACKNOWLEDGE and incident.acknowledged_at is not None:
        raise IllegalTransition(incident, action, "the incident is already acknowledged")


# Where an action leads; acknowledge and decline depend on the incident (see _target).
_TO: dict[Action, IncidentState] = {
    Action.DISPATCH: S.DISPATCHED,
    Action.ACCEPT: S.ACCEPTED,
    Action.EN_ROUTE: S.EN_ROUTE,
    Action.ON_SCENE: S.ON_SCENE,
    Action.RESOLVE: S.RESOLVED,
    Action.CANCEL: S.CANCELLED,
}


def _target(incident: Incident, action: Action) -> IncidentState:
    if action is Action.ACKNOWLEDGE:
        # After an automatic dispatch the desk still acknowledges; the state stays where it is.
        return S.ACKNOWLEDGED if incident.state is S.NEW else incident.state
    if action is Action.DECLINE:
        return S.ACKNOWLEDGED if incident.acknowledged_at is not None else S.NEW
    return _TO[action]


def apply(
    incident: Incident,
    action: Action,
    at: datetime,
    actor: str,
    reason: str = "",
    *,
    code: str = "",
    params: Mapping[str, str | int] | None = None,
    by_person: bool = True,
    disposition: Disposition | None = None,
    note: str = "",
) -> Transition:
    """Apply one action. `by_person` is False for the hub's own automatic actions: a person who
    dispatches has seen the incident (that acknowledges it); an automatic dispatch has not."""
    _check(incident, action)
    at = max(at, latest_clock(incident))  # a late or skewed clock never runs a clock backwards
    target = _target(incident, action)
    changes: dict[str, Any] = {"state": target, "changed_at": at}  # Incident's fields, each of its own type
    clock = _CLOCKS.get(target) if action is not Action.DECLINE else None
    if clock is not None and getattr(incident, clock) is None:
        changes[clock] = at
    acknowledges = action is Action.ACKNOWLEDGE or (action is Action.DISPATCH and by_person)
    if acknowledges and incident.acknowledged_at is None:
        changes["acknowledged_at"] = at
    if action in (Action.RESOLVE, Action.CANCEL):
        if action is Action.RESOLVE:
            default = Disposition.GENUINE
        else:
            default = Disposition.TEST if incident.test else Disposition.OTHER
        changes["disposition"] = (disposition or default).value
        changes["resolution_note"] = note
    updated = replace(incident, **changes)
    why = reason or (f"{changes['disposition']}: {note}".rstrip(": ") if "disposition" in changes else "")
    if not code and "disposition" in changes:
        code, params = "disposition", {"disposition": str(changes["disposition"]), "note": note}
    entry = TimelineEntry(at, actor, action.value, incident.state, target, why, code, params or {})
    return Transition(updated, entry)


def escalate(incident: Incident, at: datetime) -> Transition:
    """Unacknowledged past its limit: the supervisor is alerted (again); the state is unchanged."""
    waited = round((at - incident.created_at).total_seconds())
    reason = f"not acknowledged after {waited} s: supervisor alerted"
    at = max(at, latest_clock(incident))
    updated = replace(
        incident,
        escalated_at=incident.escalated_at or at,
        escalation_count=incident.escalation_count + 1,
        changed_at=at,
    )
    entry = TimelineEntry(
        at, "system", "escalated", incident.state, incident.state, reason, "escalated", {"seconds": waited}
    )
    return Transition(updated, entry)


def flag_arrival_overdue(incident: Incident, at: datetime, target_s: int) -> Transition:
    at = max(at, latest_clock(incident))
    reason = f"nobody on scene {target_s} s after the alarm"
    updated = replace(incident, arrival_overdue_at=incident.arrival_overdue_at or at, changed_at=at)
    entry = TimelineEntry(
        at,
        "system",
        "arrival_overdue",
        incident.state,
        incident.state,
        reason,
        "arrival_overdue",
        {"seconds": target_s},
    )
    return Transition(updated, entry)
