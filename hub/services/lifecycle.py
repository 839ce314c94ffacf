"""Incident lifecycle handlers: the duty desk's actions, officers' replies, and the timers.

Each handler is one transaction, a unit of work (hub.services.lifecycle_unit): load with a row lock, ask
the domain, persist the incident, its timeline, dispatches and timers, queue what must be published
(officer dispatches: hub.services.dispatching; the guard's feedback) in the outbox, and announce the
change to every hub instance. The timers' effects live in hub.services.lifecycle_timers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from devices.contract import FeedbackState, Topics
from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import Action, Disposition, IllegalTransition, apply
from hub.domain.routing import Candidate, rank_officers
from hub.services.clock import Clock, utc_now
from hub.services.dispatching import OfficerReplyCommand
from hub.services.lifecycle_timers import FirmerWarning, TimerUnit, timers_for_new_incident
from hub.services.lifecycle_unit import NotAllowed, NotFound
from hub.services.ports import Lease
from hub.services.ports.transaction import Store, Transaction
from hub.services.steps import check_before_resolve

# Callers import these from here: the service's commands, errors and the timers an incident opens with.
__all__ = [
    "SELF_CLEARING_KINDS",
    "FirmerWarning",
    "LifecycleService",
    "NotAllowed",
    "NotFound",
    "OfficerReplyCommand",
    "timers_for_new_incident",
]

log = structlog.get_logger(__name__)

# Incidents that end by themselves when the fault behind them ends.
SELF_CLEARING_KINDS = frozenset({"device_offline", "tamper"})


class LifecycleService:
    def __init__(
        self,
        store: Store,
        district: District,
        topics: Topics,
        clock: Clock = utc_now,
        on_outbox: asyncio.Event | None = None,
        media_url: Callable[[int], str] | None = None,
        firmer_warning: FirmerWarning | None = None,
    ) -> None:
        self._firmer_warning = firmer_warning  # a failed talk-down's second message (WarningService.queue_firmer)
        self._media_url = media_url  # the absolute URL of a media file (for officers' phones)
        self._store = store
        self._district = district
        self._topics = topics
        self._clock = clock
        self._outbox_nudge = on_outbox

    # --- the duty desk ------------------------------------------------------------------------------
    async def acknowledge(self, incident_id: int, actor: str) -> Incident:
        async with self._unit() as unit:
            incident = await unit.incident(incident_id)
            await unit.transition(apply(incident, Action.ACKNOWLEDGE, unit.now, actor))
            unit.feedback(FeedbackState.ACKNOWLEDGED)
            await unit.audit(actor, "incident.acknowledge", incident_id)
            return unit.result

    async def dispatch(self, incident_id: int, actor: str, officer_id: str | None = None) -> Incident:
        """Send an officer: the one named, or the first the routing rules choose."""
        async with self._unit() as unit:
            incident = await unit.incident(incident_id)
            if officer_id is not None and officer_id not in self._district.officers:
                raise NotFound(f"unknown officer {officer_id!r}")
            await unit.send_officer(incident, officer_id, actor, by_person=True)
            await unit.audit(actor, "incident.dispatch", incident_id, {"officer_id": officer_id})
            return unit.result

    async def resolve(
        self, incident_id: int, actor: str, disposition: Disposition, note: str = "", steps_reason: str = ""
    ) -> Incident:
        """Resolve; with a required response step open, only with `steps_reason` (recorded), else StepsOpen."""
        async with self._unit() as unit:
            incident = await unit.incident(incident_id)
            skipped = await check_before_resolve(unit.tx, self._district, incident, actor, unit.now, steps_reason)
            await unit.close(incident, Action.RESOLVE, actor, disposition, note)
            detail: dict[str, Any] = {"disposition": disposition.value, "note": note}
            if skipped:
                detail |= {"steps_open": skipped, "steps_reason": steps_reason}
            await unit.audit(actor, "incident.resolve", incident_id, detail)
            return unit.result

    async def cancel(
        self, incident_id: int, actor: str, note: str = "", disposition: Disposition | None = None
    ) -> Incident:
        """Cancel (a test, or a mistaken press confirmed by phone with the guard)."""
        async with self._unit() as unit:
            incident = await unit.incident(incident_id)
            await unit.close(incident, Action.CANCEL, actor, disposition, note)
            await unit.audit(actor, "incident.cancel", incident_id, {"note": note})
            return unit.result

    async def add_note(self, incident_id: int, actor: str, text: str) -> Incident:
        """A note on the timeline (a phone call with the guard, an observation); the state is unchanged.
        Closed incidents take notes too: what is learnt afterwards belongs to their record."""
        async with self._unit() as unit:
            incident = await unit.incident(incident_id)
            await unit.note(incident, TimelineEntry(unit.now, actor, "note", incident.state, incident.state, text))
            await unit.audit(actor, "incident.note", incident_id, {"text": text})
            return unit.result

    async def close_if_restored(self, site_id: str) -> Incident | None:
        """Close the site's device-offline or camera-tamper incident once every device of the site is
        back and no fault is left (a panic that a tamper joined stays with the desk)."""
        async with self._unit() as unit:
            incident = await unit.tx.incidents.open_incident_of_site(site_id)
            if (
                incident is None
                or incident.kind not in SELF_CLEARING_KINDS
                or await unit.tx.devices.faulty_devices(site_id)
            ):
                return None
            unit._current = incident
            note = "设备已恢复正常 / devices back to normal"
            await unit.close(incident, Action.RESOLVE, "system", Disposition.OTHER, note)
            return unit.result

    async def candidates(self, incident_id: int) -> list[Candidate]:
        async with self._unit(read_only=True) as unit:
            incident = await unit.incident(incident_id, lock=False)
            return rank_officers(
                self._district,
                incident.site_id,
                await unit.tx.officers.officer_presence(),
                await unit.excluded(incident),
            )

    # --- officers -------------------------------------------------------------------------------------
    async def officer_reply(self, command: OfficerReplyCommand, actor: str | None = None) -> Incident:
        actor = actor or f"officer:{command.officer_id}"
        async with self._unit() as unit:
            dispatch = await unit.tx.dispatches.dispatch(command.dispatch_id)
            if dispatch is None:
                raise NotFound(f"no dispatch {command.dispatch_id}")
            if dispatch.officer_id != command.officer_id:
                raise NotAllowed(f"dispatch {dispatch.id} belongs to another officer")
            if command.lat is not None and command.lon is not None:
                await unit.tx.officers.record_location(command.officer_id, command.lat, command.lon, command.at)
            incident = await unit.incident(dispatch.incident_id)
            await unit.officer_action(incident, dispatch, command, actor)
            await unit.audit(actor, f"dispatch.{command.action.value}", incident.id, {"dispatch_id": dispatch.id})
            return unit.result

    async def sign_on(self, officer_id: str, signed_on: bool, actor: str) -> None:
        if officer_id not in self._district.officers:
            raise NotFound(f"unknown officer {officer_id!r}")
        async with self._unit() as unit:
            await unit.tx.officers.set_signed_on(officer_id, signed_on, unit.now)
            await unit.audit(
                actor, "officer.sign_on" if signed_on else "officer.sign_off", None, {"officer": officer_id}
            )

    async def report_location(self, officer_id: str, lat: float, lon: float) -> None:
        async with self._unit() as unit:
            await unit.tx.officers.record_location(officer_id, lat, lon, unit.now)

    # --- timers (run by the leader instance only) -----------------------------------------------------
    async def fire_due_timers(self, fired_by: str, lease: Lease | None = None, limit: int = 50) -> int:
        """Fire every timer that is due, each in its own transaction, each exactly once; with a
        lease, only while the lease is held (LeaseLost otherwise)."""
        fired = missed = 0  # missed: cancelled or fired between the look and the claim
        while fired < limit and missed < limit:
            async with self._unit() as unit:
                if lease is not None:
                    await unit.tx.lease.hold_lease(lease)
                due = await unit.tx.timers.next_due_timer(unit.now)
                if due is None:
                    return fired
                # The site's lock before the timer's row, as every writer of the site takes them: the
                # desk closing the incident cancels this timer under the same lock, and the other
                # order deadlocked the two.
                await unit.tx.incidents.lock_sites([due[1]])
                timer = await unit.tx.timers.claim_timer(due[0], unit.now, fired_by)
                if timer is None:
                    missed += 1
                    continue
                try:
                    await unit.fire(timer)
                except (IllegalTransition, NotFound) as exc:
                    # The world moved on (e.g. the incident was just closed): the timer is spent.
                    log.info("timer no longer applies", timer=timer.id, kind=timer.kind.value, reason=str(exc))
            fired += 1
        return fired

    async def rehearse_dispatch(self, open_incident: Callable[[Transaction], Awaitable[Incident | None]]) -> bool:
        """Fire the automatic dispatch of an incident `open_incident` opens on the transaction, and roll it all
        back: the first dispatches after a start find their statements prepared on the connection (cold, a
        dispatch held its site several times as long, and the guard's next press waited behind it). Nothing
        remains: no row, no message, no transition logged. False if there was no incident to dispatch to."""
        async with TimerUnit(self, read_only=False, rehearsal=True) as unit:
            incident = await open_incident(unit.tx)
            if incident is None or incident.id is None or incident.test:
                return False
            # The timer round's own statements (fire_due_timers), its look-up and claim on no timer of
            # anyone's: only the made-up incident's dispatch is fired.
            await unit.tx.timers.next_due_timer(unit.now)
            await unit.tx.incidents.lock_sites([incident.site_id])
            await unit.tx.timers.claim_timer(0, unit.now, "rehearsal")
            await unit.fire(Timer(TimerKind.ROUTE, incident.id, unit.now))
        return True

    # --- plumbing -------------------------------------------------------------------------------------
    def _unit(self, read_only: bool = False) -> TimerUnit:
        return TimerUnit(self, read_only)
