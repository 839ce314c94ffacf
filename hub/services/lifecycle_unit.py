"""The lifecycle service's unit of work: one transaction, what it changed, and what it publishes on commit.

A unit loads incidents under their row lock, saves transitions with their timeline entries, collects the
guard's button feedback, and on commit queues the feedback and any other outbound messages in the outbox
and announces the changed incidents and dispatches to every hub instance. Dispatching
(hub.services.dispatching) and firing timers (hub.services.lifecycle_timers) build on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import structlog

from devices.contract import ButtonFeedback, FeedbackState, encode
from hub.domain.dispatch import DispatchState
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import Transition
from hub.services.messages import OutboundMessage
from hub.services.ports.transaction import Transaction

if TYPE_CHECKING:  # the service owns the store, the district and the clock the unit works with
    from hub.services.lifecycle import LifecycleService

log = structlog.get_logger(__name__)


class NotFound(LookupError):
    pass


class NotAllowed(PermissionError):
    """The actor may not do this to this object (e.g. an officer answering another's dispatch)."""


class LifecycleUnit:
    """One transaction of the lifecycle service, with what it changed."""

    def __init__(self, service: LifecycleService, read_only: bool, rehearsal: bool = False) -> None:
        self.service = service
        # A rehearsal's transaction is rolled back whatever happens (Store.rehearsal): it logs no transition
        # and wakes no relay, since nothing of it will exist.
        self.rehearsal = rehearsal
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

    async def __aenter__(self) -> Self:
        store = self.service._store
        self._tx_context = store.rehearsal() if self.rehearsal else store.transaction()
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
        if exc is None and self.outbound and self.service._outbox_nudge is not None and not self.rehearsal:
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
        if self.rehearsal:
            return incident
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
