"""Incidents: what an event means, and how events of one site correlate into one incident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum

from hub.domain.events import DeviceEvent


class Priority(IntEnum):
    P1 = 1  # life at risk: panic, duress
    P2 = 2  # intrusion in an armed zone
    P3 = 3  # tamper, device offline, suspicious behaviour
    P4 = 4  # informational


class IncidentState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset({IncidentState.RESOLVED, IncidentState.CANCELLED})
OPEN_STATES = frozenset(IncidentState) - FINAL_STATES


@dataclass(frozen=True, slots=True)
class Trigger:
    """What an incident-raising event opens: its kind and priority."""

    kind: str
    priority: Priority


# (device kind, event type) → trigger. Events not listed are recorded but raise no incident:
# low battery is device health, a test press is a drill, a cancel needs the duty desk to confirm.
TRIGGERS: dict[tuple[str, str], Trigger] = {
    ("button", "panic"): Trigger("panic", Priority.P1),
    ("button", "duress"): Trigger("duress", Priority.P1),
    ("button", "tamper"): Trigger("tamper", Priority.P3),
    ("panel", "panic"): Trigger("panic", Priority.P1),
    ("panel", "duress"): Trigger("duress", Priority.P1),
    # Intruder-alarm panels over DC-09 (hub.domain.contact_id): a panel alarms only when armed.
    ("panel", "burglary"): Trigger("intrusion", Priority.P2),
    ("panel", "fire"): Trigger("fire", Priority.P1),
    ("panel", "tamper"): Trigger("tamper", Priority.P3),
    ("panel", "trouble"): Trigger("trouble", Priority.P3),
    ("camera", "intrusion"): Trigger("intrusion", Priority.P2),
    ("camera", "loitering"): Trigger("loitering", Priority.P3),
    ("camera", "crowd"): Trigger("crowd", Priority.P3),
    ("camera", "line_crossing"): Trigger("line_crossing", Priority.P3),
    ("camera", "tamper"): Trigger("tamper", Priority.P3),
}


# A camera's answer to the hub's request to record a press (hub.domain.verification): evidence that joins
# the site's open incident, never a reason to open one.
VERIFICATION_EVENT = "verification"

# A camera's report that a zone's occupancy changed (hub.domain.talkdown): evidence for the talk-down verdict
# that joins the site's open incident, never a reason to open one. Its `detail` is "present" or "absent".
PRESENCE_EVENT = "presence"

# Events that mean the same whatever the device: supervision finding a device silent.
ANY_DEVICE_TRIGGERS: dict[str, Trigger] = {"offline": Trigger("device_offline", Priority.P3)}


def trigger_for(event: DeviceEvent) -> Trigger | None:
    if event.is_restore:
        return None
    return TRIGGERS.get((event.device_kind, event.type)) or ANY_DEVICE_TRIGGERS.get(event.type)


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident at one site. `id` is None until the store has assigned one."""

    id: int | None
    site_id: str
    kind: str
    priority: Priority
    state: IncidentState
    created_at: datetime  # hub clock at the first event: the origin of every response-time clock
    last_event_at: datetime
    event_count: int
    test: bool = False
    acknowledged_at: datetime | None = None
    dispatched_at: datetime | None = None
    accepted_at: datetime | None = None
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    resolved_at: datetime | None = None
    cancelled_at: datetime | None = None
    # Supervision of the response (see hub.domain.lifecycle and hub.domain.escalation).
    escalated_at: datetime | None = None
    escalation_count: int = 0
    arrival_overdue_at: datetime | None = None
    cancel_requested_at: datetime | None = None
    disposition: str | None = None
    resolution_note: str = ""
    # When the last lifecycle transition happened: the timeline never goes back before it.
    changed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """An append-only row of an incident's history: who did what, when and why."""

    at: datetime
    actor: str
    action: str
    from_state: IncidentState | None
    to_state: IncidentState
    reason: str = ""  # English text, for logs and exports
    # The same as data, for every console to say in its own language: a code (e.g. "escalated") and
    # its parameters (ids, counts, codes; names are looked up by the reader).
    code: str = ""
    params: Mapping[str, str | int] = field(default_factory=dict)


def open_incident(event: DeviceEvent, trigger: Trigger, site_in_test_mode: bool) -> Incident:
    return Incident(
        id=None,
        site_id=event.site_id,
        kind=trigger.kind,
        priority=trigger.priority,
        state=IncidentState.NEW,
        created_at=event.received_at,
        last_event_at=event.received_at,
        event_count=1,
        test=site_in_test_mode,
    )


@dataclass(frozen=True, slots=True)
class Correlation:
    """The outcome of one event: the incident it now belongs to (None: recorded only) and what
    the timeline gains."""

    incident: Incident | None
    timeline: tuple[TimelineEntry, ...]


def correlate(current: Incident | None, event: DeviceEvent, site_in_test_mode: bool) -> Correlation:
    """Attach `event` to the site's open incident, or open one, or record it only.

    More events of a site while an incident is open join it (five presses are one incident pressed
    five times; an intrusion at a site with an open panic joins the panic). An event of a higher
    priority raises the incident's priority and kind.
    """
    trigger = trigger_for(event)
    actor = f"device:{event.device_id}"
    is_open = current is not None and current.is_open
    if event.type == "cancel" and current is not None and is_open and current.cancel_requested_at is None:
        # A guard's cancel is only a request: a duty officer confirms it (by phone) before the
        # incident is cancelled, since a coerced guard may be made to press it.
        requested = replace(current, cancel_requested_at=event.received_at, event_count=current.event_count + 1)
        entry = TimelineEntry(
            event.received_at,
            actor,
            "cancel_requested",
            current.state,
            current.state,
            "cancel pressed on the button",
            "cancel_pressed",
        )
        return Correlation(requested, (entry,))
    if event.type == VERIFICATION_EVENT and event.device_kind == "camera":
        if current is None or not is_open:
            return Correlation(None, ())
        reason = f"clip and snapshot from {event.device_id}"
        state = current.state
        params = {"device": event.device_id}
        entry = TimelineEntry(
            event.received_at, actor, "video_verified", state, state, reason, "video_verified", params
        )
        return Correlation(current, (entry,))
    if event.type == PRESENCE_EVENT and event.device_kind == "camera":
        if current is None or not is_open:
            return Correlation(None, ())
        code = "zone_occupied" if event.detail == "present" else "zone_empty"
        params = {"device": event.device_id, "zone": event.zone or ""}
        reason = f"{event.device_id}: zone {event.zone or '?'} {event.detail or 'absent'}"
        entry = TimelineEntry(event.received_at, actor, code, current.state, current.state, reason, code, params)
        return Correlation(current, (entry,))
    if trigger is None:
        return Correlation(current if is_open else None, ())
    if current is None or not current.is_open:
        incident = open_incident(event, trigger, site_in_test_mode)
        reason = f"{event.type} from {event.device_id}"
        params = {"event": event.type, "device": event.device_id}
        opened = TimelineEntry(
            event.received_at, actor, "opened", None, incident.state, reason, "opened_by_device", params
        )
        return Correlation(incident, (opened,))
    updated = replace(
        current,
        event_count=current.event_count + 1,
        last_event_at=max(current.last_event_at, event.received_at),
    )
    if trigger.priority < current.priority:
        updated = replace(updated, priority=trigger.priority, kind=trigger.kind)
        entry = TimelineEntry(
            event.received_at,
            actor,
            "priority_raised",
            current.state,
            current.state,
            f"{event.type} raised P{current.priority.value} to P{trigger.priority.value}",
            "priority_raised",
            {"event": event.type, "from": current.priority.value, "to": trigger.priority.value},
        )
        return Correlation(updated, (entry,))
    return Correlation(updated, ())
