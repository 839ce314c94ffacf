"""Dispatching officers inside a lifecycle unit: routing an officer, publishing the dispatch to the
officer's phone, the officers' answers (accept, decline, en route, on scene, resolved) and closing an
incident with its dispatches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from devices.contract import DispatchSite, DispatchStatus, FeedbackState, OfficerAction, OfficerDispatch, encode
from hub.domain.dispatch import Dispatch, DispatchState, RouteRule
from hub.domain.escalation import Timer, TimerKind, accept_deadline
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import Action, Disposition, IllegalTransition, apply
from hub.domain.routing import Candidate, choose_officer, distance_m
from hub.domain.steps import SeenAction
from hub.services.lifecycle_unit import LifecycleUnit
from hub.services.messages import OutboundMessage
from hub.services.steps import tick_seen

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


class DispatchingUnit(LifecycleUnit):
    """A lifecycle unit that can send officers and take their answers."""

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
