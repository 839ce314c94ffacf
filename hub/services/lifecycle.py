"""Incident lifecycle handlers: the duty desk's actions, officers' replies, and the timers.

Each handler is one transaction: load with a row lock, ask the domain, persist the incident, its
timeline, dispatches and timers, queue what must be published (officer dispatches, the guard's
feedback) in the outbox, and announce the change to every hub instance.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from devices.contract import (
    ButtonFeedback,
    DispatchSite,
    DispatchStatus,
    FeedbackState,
    OfficerAction,
    OfficerDispatch,
    Topics,
    encode,
)
from hub.domain.dispatch import Dispatch, DispatchState, RouteRule
from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind, accept_deadline, ack_deadline, arrival_deadline
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import (
    Action,
    Disposition,
    IllegalTransition,
    Transition,
    apply,
    escalate,
    flag_arrival_overdue,
)
from hub.domain.routing import Candidate, choose_officer, distance_m, rank_officers
from hub.domain.steps import SeenAction
from hub.domain.talkdown import TalkdownRule
from hub.services.clock import Clock, utc_now
from hub.services.messages import OutboundMessage
from hub.services.ports import Lease
from hub.services.ports.transaction import Store, Transaction
from hub.services.steps import check_before_resolve, tick_seen
from hub.services.talkdown import give_verdict

log = structlog.get_logger(__name__)


# Speed assumed for the guard's ETA (an officer in city traffic), metres per second.
_ETA_SPEED_M_S = 8.0

_KIND_NAMES = {
    "panic": "紧急报警 Panic",
    "duress": "胁迫报警 Duress",
    "intrusion": "入侵 Intrusion",
    "tamper": "防拆 Tamper",
    "loitering": "徘徊 Loitering",
    "crowd": "人员聚集 Crowd",
    "line_crossing": "越线 Line crossing",
    "device_offline": "设备离线 Device offline",
}


# Writes a failed talk-down's firmer message in the given transaction; returns its speaker commands.
FirmerWarning = Callable[[Transaction, Incident, TalkdownRule, datetime], Awaitable[list[OutboundMessage]]]


class NotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    """The actor may not do this to this object (e.g. an officer answering another's dispatch)."""


@dataclass(frozen=True, slots=True)
class OfficerReplyCommand:
    officer_id: str
    dispatch_id: int
    action: OfficerAction
    at: datetime
    note: str = ""
    lat: float | None = None
    lon: float | None = None
    disposition: Disposition | None = None


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
        fired = 0
        while fired < limit:
            async with self._unit() as unit:
                if lease is not None:
                    await unit.tx.lease.hold_lease(lease)
                timer = await unit.tx.timers.claim_due_timer(unit.now, fired_by)
                if timer is None:
                    return fired
                try:
                    await unit.fire(timer)
                except (IllegalTransition, NotFound) as exc:
                    # The world moved on (e.g. the incident was just closed): the timer is spent.
                    log.info("timer no longer applies", timer=timer.id, kind=timer.kind.value, reason=str(exc))
            fired += 1
        return fired

    # --- plumbing -------------------------------------------------------------------------------------
    def _unit(self, read_only: bool = False) -> _Unit:
        return _Unit(self, read_only)


class _Unit:
    """One transaction of the lifecycle service, with what it changed."""

    def __init__(self, service: LifecycleService, read_only: bool) -> None:
        self.service = service
        self.district = service._district
        self.topics = service._topics
        self.now = service._clock()
        self.read_only = read_only
        self._tx_context: Any = None
        self._tx: Transaction | None = None
        self.incidents: dict[int, Incident] = {}
        self.dispatches: set[int] = set()
        self.outbound: list[OutboundMessage] = []
        self._feedback: list[tuple[FeedbackState, int | None]] = []
        self._current: Incident | None = None

    async def __aenter__(self) -> _Unit:
        self._tx_context = self.service._store.transaction()
        self._tx = await self._tx_context.__aenter__()
        return self

    @property
    def tx(self) -> Transaction:
        assert self._tx is not None, "the unit is used inside `async with`"
        return self._tx

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc is None and not self.read_only:
                await self._flush()
        except BaseException as flush_error:
            await self._tx_context.__aexit__(type(flush_error), flush_error, flush_error.__traceback__)
            raise
        await self._tx_context.__aexit__(exc_type, exc, tb)
        if exc is None and self.outbound and self.service._outbox_nudge is not None:
            self.service._outbox_nudge.set()

    @property
    def result(self) -> Incident:
        assert self._current is not None
        return self._current

    async def incident(self, incident_id: int, lock: bool = True) -> Incident:
        incident = await self.tx.incidents.incident(incident_id, lock)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        self._current = incident
        return incident

    async def transition(self, step: Transition) -> Incident:
        incident = await self.tx.incidents.save_incident(step.incident)
        assert incident.id is not None
        await self.tx.incidents.append_timeline(incident.id, [step.entry])
        self.incidents[incident.id] = incident
        self._current = incident
        log.info(
            "incident transition",
            incident=incident.id,
            site=incident.site_id,
            action=step.entry.action,
            state=incident.state.value,
            actor=step.entry.actor,
        )
        return incident

    async def note(self, incident: Incident, entry: TimelineEntry) -> None:
        assert incident.id is not None
        await self.tx.incidents.append_timeline(incident.id, [entry])
        self.incidents[incident.id] = incident

    def feedback(self, state: FeedbackState, eta_s: int | None = None) -> None:
        self._feedback.append((state, eta_s))

    async def audit(
        self, actor: str, action: str, incident_id: int | None, detail: dict[str, Any] | None = None
    ) -> None:
        await self.tx.audit_log.audit(actor, action, f"incident:{incident_id}" if incident_id else "", detail or {})

    async def excluded(self, incident: Incident) -> set[str]:
        assert incident.id is not None
        return {
            d.officer_id
            for d in await self.tx.dispatches.dispatches_of(incident.id)
            if d.state in (DispatchState.DECLINED, DispatchState.TIMED_OUT)
        }

    # --- dispatching ----------------------------------------------------------------------------------
    async def send_officer(self, incident: Incident, officer_id: str | None, actor: str, by_person: bool) -> bool:
        """Dispatch `officer_id` (or route one), withdrawing any earlier active dispatch.
        Returns False when nobody is available (the incident stays with the desk)."""
        assert incident.id is not None
        if incident.test:
            raise IllegalTransition(incident, Action.DISPATCH, "test incidents are logged, never dispatched")
        candidate: Candidate | None
        if officer_id is None:
            candidate = choose_officer(
                self.district,
                incident.site_id,
                await self.tx.officers.officer_presence(),
                await self.excluded(incident),
            )
            if candidate is None:
                await self.note(
                    incident,
                    TimelineEntry(
                        self.now,
                        actor,
                        "no_officer_available",
                        incident.state,
                        incident.state,
                        "nobody signed on and no supervisor configured",
                        "no_officer",
                    ),
                )
                log.error("no officer available", incident=incident.id, site=incident.site_id)
                return False
        else:
            candidate = Candidate(officer_id, RouteRule.MANUAL, None, True)
        code, params = _route_data(candidate)
        step = apply(
            incident,
            Action.DISPATCH,
            self.now,
            actor,
            _route_reason(candidate),
            code=code,
            params=params,
            by_person=by_person,
        )
        for active in await self.tx.dispatches.dispatches_of(incident.id):
            if active.is_active:
                await self._save_dispatch(active.moved_to(DispatchState.WITHDRAWN, self.now, "another officer sent"))
                await self._publish_dispatch(step.incident, active, DispatchStatus.WITHDRAWN)
        incident = await self.transition(step)
        assert incident.id is not None  # the store assigned it
        targets = self.district.targets[incident.priority]
        dispatch = await self._save_dispatch(
            Dispatch(
                None,
                incident.id,
                candidate.officer_id,
                DispatchState.OFFERED,
                candidate.rule,
                self.now,
                accept_deadline(self.now, targets),
            )
        )
        assert dispatch.id is not None
        await self.tx.timers.cancel_timers(incident.id, [TimerKind.ACCEPT, TimerKind.ROUTE])
        await self.tx.timers.schedule_timers([Timer(TimerKind.ACCEPT, incident.id, dispatch.accept_by, dispatch.id)])
        await self._publish_dispatch(incident, dispatch, DispatchStatus.OFFERED)
        await tick_seen(self.tx, self.district, incident, SeenAction.DISPATCH, actor, self.now)
        self.feedback(FeedbackState.DISPATCHED)
        return True

    async def _save_dispatch(self, dispatch: Dispatch) -> Dispatch:
        saved = await self.tx.dispatches.save_dispatch(dispatch)
        assert saved.id is not None
        self.dispatches.add(saved.id)
        return saved

    async def _publish_dispatch(self, incident: Incident, dispatch: Dispatch, status: DispatchStatus) -> None:
        site = self.district.sites[incident.site_id]
        snapshot = (
            await self.tx.media.latest_snapshot(dispatch.incident_id) if status is DispatchStatus.OFFERED else None
        )
        contact = " ".join(p for p in (site.contact_name, site.contact_phone) if p)
        summary = f"{_KIND_NAMES.get(incident.kind, incident.kind)} — {site.name} ({incident.event_count})"
        message = OfficerDispatch(
            dispatch_id=str(dispatch.id),
            incident_id=str(incident.id),
            site=DispatchSite(
                id=site.id, name=site.name, address=site.address, lat=site.lat, lon=site.lon, contact=contact
            ),
            priority=int(incident.priority),
            summary=summary,
            ts=self.now,
            status=None if status is DispatchStatus.OFFERED else status,
            navigation=site.geo_uri,
            accept_by=dispatch.accept_by if status is DispatchStatus.OFFERED else None,
            snapshot_url=self.service._media_url(snapshot) if snapshot and self.service._media_url else None,
        )
        self.outbound.append(OutboundMessage(self.topics.officer_dispatch(dispatch.officer_id), encode(message)))

    # --- officers' answers ----------------------------------------------------------------------------
    async def officer_action(
        self, incident: Incident, dispatch: Dispatch, command: OfficerReplyCommand, actor: str
    ) -> None:
        action = command.action
        if dispatch.state is _REPLY_STATES[action]:
            log.info("duplicate officer reply ignored", dispatch=dispatch.id, action=action.value)
            return
        if not dispatch.is_active:
            raise IllegalTransition(incident, Action.ACCEPT, f"dispatch {dispatch.id} is {dispatch.state.value}")
        if action is OfficerAction.ACCEPT:
            if dispatch.state is not DispatchState.OFFERED:
                raise IllegalTransition(
                    incident, Action.ACCEPT, f"dispatch {dispatch.id} is already {dispatch.state.value}"
                )
            await self.transition(apply(incident, Action.ACCEPT, self.now, actor, command.note))
            await self._save_dispatch(dispatch.moved_to(DispatchState.ACCEPTED, self.now, command.note))
            await self.tx.timers.cancel_timers(dispatch.incident_id, [TimerKind.ACCEPT])
        elif action is OfficerAction.DECLINE:
            if dispatch.state is not DispatchState.OFFERED:
                raise IllegalTransition(
                    incident, Action.DECLINE, f"dispatch {dispatch.id} is already {dispatch.state.value}"
                )
            await self._save_dispatch(dispatch.moved_to(DispatchState.DECLINED, self.now, command.note))
            declined = await self.transition(
                apply(incident, Action.DECLINE, self.now, actor, command.note or "declined")
            )
            await self.send_officer(declined, None, "system", by_person=False)
        elif action is OfficerAction.EN_ROUTE:
            await self.transition(apply(incident, Action.EN_ROUTE, self.now, actor, command.note))
            await self._save_dispatch(dispatch.moved_to(DispatchState.EN_ROUTE, self.now, command.note))
            self.feedback(FeedbackState.EN_ROUTE, await self._eta_s(incident, dispatch.officer_id, command))
        elif action is OfficerAction.ON_SCENE:
            await self.transition(apply(incident, Action.ON_SCENE, self.now, actor, command.note))
            await self._save_dispatch(dispatch.moved_to(DispatchState.ON_SCENE, self.now, command.note))
            self.feedback(FeedbackState.ON_SCENE)
        elif action is OfficerAction.RESOLVED:
            await self.close(incident, Action.RESOLVE, actor, command.disposition, command.note)

    async def _eta_s(self, incident: Incident, officer_id: str, command: OfficerReplyCommand) -> int | None:
        site = self.district.sites[incident.site_id]
        lat, lon = command.lat, command.lon
        if lat is None or lon is None:
            presence = (await self.tx.officers.officer_presence()).get(officer_id)
            lat, lon = (presence.lat, presence.lon) if presence else (None, None)
        if lat is None or lon is None or site.lat is None or site.lon is None:
            return None
        return round(distance_m(lat, lon, site.lat, site.lon) / _ETA_SPEED_M_S)

    async def close(
        self, incident: Incident, action: Action, actor: str, disposition: Disposition | None, note: str
    ) -> None:
        step = apply(incident, action, self.now, actor, disposition=disposition, note=note)
        closed = await self.transition(step)
        assert closed.id is not None
        for dispatch in await self.tx.dispatches.dispatches_of(closed.id):
            if dispatch.is_active:
                await self._save_dispatch(dispatch.moved_to(DispatchState.COMPLETED, self.now))
                if dispatch.state is DispatchState.OFFERED:
                    await self._publish_dispatch(closed, dispatch, DispatchStatus.COMPLETED)
        await self.tx.timers.cancel_timers(closed.id, list(TimerKind))
        if action is Action.RESOLVE:
            self.feedback(FeedbackState.RESOLVED)

    # --- timers -------------------------------------------------------------------------------------
    async def fire(self, timer: Timer) -> None:
        incident = await self.incident(timer.incident_id)
        if not incident.is_open:
            return
        targets = self.district.targets[incident.priority]
        match timer.kind:
            case TimerKind.ROUTE:
                dispatches = await self.tx.dispatches.dispatches_of(timer.incident_id)
                if not incident.test and not any(d.is_active for d in dispatches):
                    await self.send_officer(incident, None, "system", by_person=False)
            case TimerKind.ACK:
                verdict_at = await self.tx.timers.pending_timer(timer.incident_id, TimerKind.TALKDOWN)
                if incident.acknowledged_at is None and not incident.test and verdict_at is not None:
                    await self._hold_escalation(incident, verdict_at)
                elif incident.acknowledged_at is None and not incident.test:
                    escalated = await self.transition(escalate(incident, self.now))
                    # Keep alerting until someone acknowledges.
                    next_due = max(self.now, ack_deadline(self.now, targets))
                    await self.tx.timers.schedule_timers([Timer(TimerKind.ACK, timer.incident_id, next_due)])
                    log.warning(
                        "incident escalated",
                        incident=escalated.id,
                        site=escalated.site_id,
                        escalations=escalated.escalation_count,
                    )
            case TimerKind.ACCEPT:
                dispatch = await self.tx.dispatches.dispatch(timer.dispatch_id) if timer.dispatch_id else None
                if dispatch is not None and dispatch.state is DispatchState.OFFERED:
                    await self._save_dispatch(
                        dispatch.moved_to(DispatchState.TIMED_OUT, self.now, "not accepted in time")
                    )
                    await self._publish_dispatch(incident, dispatch, DispatchStatus.TIMED_OUT)
                    reason = f"{dispatch.officer_id} did not accept within {targets.accept_s} s"
                    params: dict[str, str | int] = {"officer": dispatch.officer_id, "seconds": targets.accept_s}
                    back = await self.transition(
                        apply(
                            incident, Action.DECLINE, self.now, "system", reason, code="accept_timeout", params=params
                        )
                    )
                    await self.send_officer(back, None, "system", by_person=False)
            case TimerKind.TALKDOWN:
                failed = await give_verdict(self, incident, timer.due_at)
                if failed is not None and self.service._firmer_warning is not None:
                    # In this transaction, through the outbox: the verdict, the dispatch and the second
                    # message commit together or not at all (a hub stopped mid-verdict loses none, doubles none).
                    self.outbound += await self.service._firmer_warning(self.tx, *failed, self.now)
            case TimerKind.ARRIVAL:
                if incident.on_scene_at is None and incident.arrival_overdue_at is None and not incident.test:
                    await self.transition(flag_arrival_overdue(incident, self.now, targets.arrival_s))

    async def _hold_escalation(self, incident: Incident, verdict_at: datetime) -> None:
        """A talk-down is being watched: the supervisor is not alerted about an incident the hub itself is
        handling. The alert waits for the verdict, then the ack target again (a failed verdict restarts it
        at once, at the raised priority: hub.services.talkdown); a deterred incident closes and cancels it."""
        assert incident.id is not None
        due = verdict_at + timedelta(seconds=self.district.targets[incident.priority].ack_s)
        await self.tx.timers.schedule_timers([Timer(TimerKind.ACK, incident.id, due)])
        seconds = max(0, round((verdict_at - self.now).total_seconds()))
        reason = f"talk-down in progress: supervisor alert held until the verdict in {seconds} s"
        entry = TimelineEntry(
            self.now, "system", "escalation_held", incident.state, incident.state, reason, "escalation_held",
            {"seconds": seconds},
        )  # fmt: skip
        await self.note(incident, entry)

    # --- commit-time work ---------------------------------------------------------------------------
    async def _flush(self) -> None:
        if self._feedback and self._current is not None and self._current.id is not None:
            buttons = await self.tx.events.button_events_of(self._current.id)
            for state, eta_s in self._feedback:
                for site_id, device_id, event_id in buttons:
                    payload = ButtonFeedback(event_id=event_id, state=state, ts=self.now, eta_s=eta_s)
                    self.outbound.append(
                        OutboundMessage(self.topics.button_feedback(site_id, device_id), encode(payload))
                    )
        if self.outbound:
            await self.tx.outbox.enqueue(self.outbound)
        if self.incidents or self.dispatches:
            await self.tx.changes.announce(sorted(self.incidents), sorted(self.dispatches))


# Incidents that end by themselves when the fault behind them ends.
SELF_CLEARING_KINDS = frozenset({"device_offline", "tamper"})

# The dispatch state an officer's reply leads to: a repeated reply (a redelivery) is a no-op.
_REPLY_STATES = {
    OfficerAction.ACCEPT: DispatchState.ACCEPTED,
    OfficerAction.DECLINE: DispatchState.DECLINED,
    OfficerAction.EN_ROUTE: DispatchState.EN_ROUTE,
    OfficerAction.ON_SCENE: DispatchState.ON_SCENE,
    OfficerAction.RESOLVED: DispatchState.COMPLETED,
}


def _route_reason(candidate: Candidate) -> str:
    match candidate.rule:
        case RouteRule.GRID:
            return f"{candidate.officer_id}: on duty for the site's grid"
        case RouteRule.NEAREST:
            where = f" ({candidate.distance_m:.0f} m away)" if candidate.distance_m is not None else ""
            return f"{candidate.officer_id}: nearest available officer{where}"
        case RouteRule.SUPERVISOR:
            return f"{candidate.officer_id}: station supervisor (nobody else available)"
        case _:
            return f"{candidate.officer_id}: chosen by the duty desk"


def _route_data(candidate: Candidate) -> tuple[str, dict[str, str | int]]:
    """The route reason as data: route_grid, route_nearest (with the distance), route_supervisor, route_manual."""
    params: dict[str, str | int] = {"officer": candidate.officer_id}
    if candidate.rule is RouteRule.NEAREST and candidate.distance_m is not None:
        params["distance_m"] = round(candidate.distance_m)
    return f"route_{candidate.rule.value}", params


def timers_for_new_incident(incident: Incident, district: District, now: datetime) -> list[Timer]:
    """What the ingest pipeline arms when an incident opens."""
    assert incident.id is not None
    if incident.test:
        return []
    targets = district.targets[incident.priority]
    timers = [
        Timer(TimerKind.ACK, incident.id, ack_deadline(incident.created_at, targets)),
        Timer(TimerKind.ARRIVAL, incident.id, arrival_deadline(incident.created_at, targets)),
    ]
    if incident.priority in district.auto_dispatch:
        timers.append(Timer(TimerKind.ROUTE, incident.id, now))
    return timers
