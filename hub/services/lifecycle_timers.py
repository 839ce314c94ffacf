"""The lifecycle timers inside a unit: re-dispatch, the supervisor's escalation (held while a talk-down is
watched), the officer's accept deadline, the talk-down verdict and the arrival target; and the timers an
incident opens with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog

from devices.contract import DispatchStatus
from hub.domain.dispatch import DispatchState
from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind, ack_deadline, arrival_deadline
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import Action, apply, escalate, flag_arrival_overdue
from hub.domain.talkdown import TalkdownRule
from hub.services.dispatching import DispatchingUnit
from hub.services.messages import OutboundMessage
from hub.services.ports.transaction import Transaction
from hub.services.talkdown import give_verdict

log = structlog.get_logger(__name__)

# Writes a failed talk-down's firmer message in the given transaction; returns its speaker commands.
FirmerWarning = Callable[[Transaction, Incident, TalkdownRule, datetime], Awaitable[list[OutboundMessage]]]


class TimerUnit(DispatchingUnit):
    """A lifecycle unit that fires the incident's timers."""

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
