"""Recording device events inside a transaction: store them idempotently, correlate them into
incidents, arm the new incidents' timers, and prepare the guard's "received" confirmation.

Shared by everything that turns facts into events: MQTT ingest, device supervision, alarm panels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from devices.contract import (
    CONFIRMED_BUTTON_EVENTS,
    ButtonFeedback,
    CameraAction,
    CameraCommand,
    FeedbackState,
    Topics,
    encode,
)
from hub.domain.district import District
from hub.domain.escalation import Timer
from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident, TimelineEntry, correlate
from hub.domain.verification import VerificationRequest, verification_requests
from hub.services.lifecycle import timers_for_new_incident
from hub.services.messages import OutboundMessage
from hub.services.ports.transaction import Transaction

log = structlog.get_logger(__name__)

# Button events the guard gets a "received" confirmation for (LED/buzzer/voice on the button), each
# time the event arrives, a plain resend of a stored one included (the contract's resend rule).
_CONFIRMED_BUTTON_EVENTS = frozenset(t.value for t in CONFIRMED_BUTTON_EVENTS)


@dataclass
class Recorded:
    new_events: list[DeviceEvent] = field(default_factory=list)
    # Already stored under the same (device, event id) but not the same event: a replay or a device
    # reusing ids. A plain resend (the same content: hub.domain.events.EventIdentity) is a duplicate.
    reused: list[DeviceEvent] = field(default_factory=list)
    pks: dict[tuple[str, str], int] = field(default_factory=dict)  # (device, event id) → row of each new event
    opened: int = 0
    touched: set[int] = field(default_factory=set)  # incidents changed
    saved: list[Incident] = field(default_factory=list)  # the changed incidents as this transaction wrote them
    incident_of_site: dict[str, int] = field(default_factory=dict)  # where each site's new events went
    outbound: list[OutboundMessage] = field(default_factory=list)
    # Not recorded now: their site was busy (another writer holds it). The caller retries them.
    deferred: list[DeviceEvent] = field(default_factory=list)


class EventRecorder:
    def __init__(self, district: District, topics: Topics) -> None:
        self._district = district
        self._topics = topics

    async def record(
        self,
        tx: Transaction,
        events: Sequence[tuple[DeviceEvent, dict[str, Any]]],
        now: datetime,
        defer_busy_sites: bool = False,
        rehearsal: bool = False,
    ) -> Recorded:
        """With `defer_busy_sites`, events of a site whose lock another transaction holds are left
        out (`Recorded.deferred`) instead of waiting for it: one stalled writer must not hold up
        every other site's alarms. A `rehearsal` (rolled back, hub.services.ingest) logs nothing: its
        incidents never exist."""
        result = Recorded()
        if not events:
            return result
        sites = {e.site_id for e, _ in events}
        # One batch can hold the same event twice (a resend right behind the original).
        unique = list({(e.device_id, e.event_id): (e, p) for e, p in reversed(events)}.values())[::-1]
        stored: dict[tuple[str, str], int] | None = None
        if defer_busy_sites:  # the sites' locks and the events in one round trip
            locked, stored = await tx.events.add_events_of_free_sites(sorted(sites), unique)
        else:
            locked = await tx.incidents.lock_sites(sorted(sites))
        busy = sites - locked
        if busy:
            result.deferred = [e for e, _ in events if e.site_id in busy]
            events = [(e, p) for e, p in events if e.site_id not in busy]
            unique = [(e, p) for e, p in unique if e.site_id not in busy]
            if not events:
                return result
        if stored is None:
            stored = await tx.events.add_events(unique)
        result.new_events = [e for e, _ in unique if (e.device_id, e.event_id) in stored]
        result.pks = stored
        firsts = {(e.device_id, e.event_id): e.identity for e, _ in unique}
        result.reused = [
            e for e, _ in events if not firsts[(e.device_id, e.event_id)].same_event(e.identity)
        ]  # the same id twice in one batch, with other content
        repeated = [e for e, _ in unique if (e.device_id, e.event_id) not in stored]
        resent: list[DeviceEvent] = []  # plain resends of stored events: confirmed again
        if repeated:
            originals = await tx.events.stored_events([(e.device_id, e.event_id) for e in repeated])
            for e in repeated:
                original = originals.get((e.device_id, e.event_id))
                if original is None:
                    continue  # not possible: the insert was refused because the row exists
                (resent if original.same_event(e.identity) else result.reused).append(e)
        # A device resends until it hears `received` (the contract's resend rule), and that feedback can
        # be lost with the broker: a resend of a stored event is answered again, or it would resend forever.
        result.outbound = self._received([*result.new_events, *resent], now)
        if not result.new_events:
            return result
        # Where an event would open an incident if none were open, the store may set its id aside in the
        # same round trip, and hold the new incident's insert like the other writes (no round trip of its own).
        may_open: set[str] = set()
        for e in result.new_events:  # a site's first event that would open one settles it: once per site, mostly
            if e.site_id in may_open:
                continue
            if correlate(None, e, self._district.sites[e.site_id].test_mode).incident is not None:
                may_open.add(e.site_id)
        current = await tx.incidents.open_incidents(sorted({e.site_id for e in result.new_events}), sorted(may_open))
        timeline: dict[str, list[TimelineEntry]] = {}
        members: dict[str, list[int]] = {}
        changed: dict[str, Incident] = {}
        openers: dict[str, DeviceEvent] = {}  # the event that opened each site's new incident
        for event in result.new_events:
            site = self._district.sites[event.site_id]
            outcome = correlate(current.get(event.site_id), event, site.test_mode)
            if outcome.incident is None:
                continue
            # An event that only adds to the timeline (a camera's verification clip) still joins the incident.
            if outcome.incident != current.get(event.site_id) or outcome.timeline:
                changed[event.site_id] = outcome.incident
            current[event.site_id] = outcome.incident
            if outcome.incident.id is None and event.site_id not in openers:
                openers[event.site_id] = event
            timeline.setdefault(event.site_id, []).extend(outcome.timeline)
            members.setdefault(event.site_id, []).append(stored[(event.device_id, event.event_id)])
        links: list[tuple[int, int]] = []
        timers: list[Timer] = []
        entries: list[tuple[int, TimelineEntry]] = []
        # Every changed incident in one statement (two when some are new), not one per site.
        saved_all = await tx.incidents.save_incidents(list(changed.values()))
        for (site_id, incident), saved in zip(changed.items(), saved_all, strict=True):
            was_new = incident.id is None
            assert saved.id is not None
            if was_new:
                result.opened += 1
                timers.extend(timers_for_new_incident(saved, self._district, now))
                timeline.setdefault(site_id, []).extend(self._request_verification(saved, openers[site_id], result))
            result.touched.add(saved.id)
            result.saved.append(saved)
            result.incident_of_site[site_id] = saved.id
            links.extend((saved.id, pk) for pk in members.get(site_id, ()))
            entries.extend((saved.id, entry) for entry in timeline.get(site_id, ()))
            if rehearsal:
                continue
            if was_new:  # one line per incident opened; each event's line is at debug (the timeline has it)
                log.info(
                    "incident opened",
                    site=site_id,
                    incident=saved.id,
                    kind=saved.kind,
                    priority=saved.priority.value,
                    events=saved.event_count,
                )
            for event in result.new_events:
                if event.site_id == site_id:
                    log.debug(
                        "event stored" if was_new else "event attached",
                        site=site_id,
                        device=event.device_id,
                        event_id=event.event_id,
                        type=event.type,
                        incident=saved.id,
                    )
        if timers:
            await tx.timers.schedule_timers(timers)
        if entries:
            await tx.incidents.append_timelines(entries)
        if links:
            await tx.events.link_events(links)
        return result

    def _request_verification(self, incident: Incident, opener: DeviceEvent, result: Recorded) -> list[TimelineEntry]:
        """Ask the site's cameras to record the press (hub.domain.verification), in the same transaction."""
        requests = verification_requests(incident, opener, self._district)
        if not requests:
            return []
        result.outbound.extend(self._record_command(incident.site_id, r) for r in requests)
        cameras = ", ".join(r.camera_id for r in requests)
        params: dict[str, str | int] = {"device": requests[0].camera_id, "count": len(requests)}
        state = incident.state
        entry = TimelineEntry(
            opener.received_at,
            "system",
            "verification_requested",
            state,
            state,
            cameras,
            "verification_requested",
            params,
        )
        return [entry]

    def _record_command(self, site_id: str, request: VerificationRequest) -> OutboundMessage:
        command = CameraCommand(
            command_id=request.command_id,
            action=CameraAction.RECORD,
            at=request.at,
            pre_s=request.pre_s,
            post_s=request.post_s,
            expires_at=request.expires_at,
        )
        return OutboundMessage(self._topics.camera_command(site_id, request.camera_id), encode(command))

    def _received(self, events: Sequence[DeviceEvent], now: datetime) -> list[OutboundMessage]:
        """The guard's "received" confirmation of each button event that gets one."""
        return [
            OutboundMessage(
                self._topics.button_feedback(e.site_id, e.device_id),
                encode(ButtonFeedback(event_id=e.event_id, state=FeedbackState.RECEIVED, ts=now)),
            )
            for e in events
            if e.device_kind == "button" and e.type in _CONFIRMED_BUTTON_EVENTS
        ]
