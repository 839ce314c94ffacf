"""The ingest pipeline: batches of device messages → one transaction → acknowledge → announce.

Durability rule (DESIGN.md): a message is acknowledged to the broker only after what it carries is
committed, so a crash at any instant loses nothing; a redelivery is a duplicate the store ignores.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import structlog

from devices.contract import ButtonFeedback, FeedbackState, Topics, encode
from hub.domain.district import District
from hub.domain.incidents import Incident, TimelineEntry, correlate
from hub.domain.lifecycle import IllegalTransition
from hub.services.intake import AcceptedEvent, IntakeChecker, PresenceIntake, ReplyIntake, StatusReport
from hub.services.lifecycle import (
    LifecycleService,
    NotAllowed,
    NotFound,
    OfficerReplyCommand,
    timers_for_new_incident,
)
from hub.services.messages import InboundMessage, OutboundMessage, Rejection
from hub.services.ports import IngestObserver, IngestStore, IngestTransaction, MessageSource

log = structlog.get_logger(__name__)

# Button events the guard gets a "received" confirmation for (LED/buzzer/voice on the button).
_CONFIRMED_BUTTON_EVENTS = frozenset({"panic", "duress", "test", "cancel"})


class IngestService:
    def __init__(
        self,
        intake: IntakeChecker,
        store: IngestStore,
        district: District,
        topics: Topics,
        observer: IngestObserver,
        on_committed: asyncio.Event | None = None,
        lifecycle: LifecycleService | None = None,
    ) -> None:
        self._lifecycle = lifecycle
        self._intake = intake
        self._store = store
        self._district = district
        self._topics = topics
        self._observer = observer
        # Set after each commit that queued outbound messages, to wake the outbox relay.
        self._outbox_nudge = on_committed

    async def run(self, source: MessageSource, batch_max: int) -> None:
        """Consume forever: one batch per transaction. Under load batches grow by themselves,
        since messages queue up while the previous batch commits."""
        while True:
            batch = await source.next_batch(batch_max)
            await self._process_until_committed(batch)
            source.acknowledge(batch)

    async def _process_until_committed(self, batch: Sequence[InboundMessage]) -> None:
        """A failed batch stays unacknowledged and is retried with backoff (the database may be
        down: lose nothing, wait for it). A batch that keeps failing while the database works is
        split, so one poisonous message cannot stop the others: it ends in the dead-letter store."""
        delay = 0.25
        for attempt in range(1, 1_000_000):
            try:
                await self.process(batch)
                if attempt > 1:
                    log.info("ingest recovered", attempts=attempt, batch=len(batch))
                return
            except Exception as exc:
                log.error("ingest batch failed; retrying", error=repr(exc), attempt=attempt, batch=len(batch))
                if attempt >= 3 and len(batch) > 1 and await self._isolate(batch):
                    return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _isolate(self, batch: Sequence[InboundMessage]) -> bool:
        """Process one message at a time; dead-letter the ones that fail alone. False if even that
        is impossible (the database is down), so the caller keeps retrying the whole batch."""
        for message in batch:
            try:
                await self.process([message])
            except Exception as exc:
                rejection = Rejection(message.topic, message.payload, message.received_at, "internal_error", repr(exc))
                try:
                    async with self._store.transaction() as tx:
                        await tx.add_dead_letters([rejection])
                except Exception:
                    return False
                self._observer.rejected("internal_error")
                log.error("message dead-lettered after failing alone", topic=message.topic, error=repr(exc))
        return True

    async def process(self, batch: Sequence[InboundMessage]) -> None:
        started = time.perf_counter()
        checked = [self._intake.check(message) for message in batch]
        accepted = [c for c in checked if isinstance(c, AcceptedEvent)]
        replies = [c for c in checked if isinstance(c, ReplyIntake)]
        presences = [c for c in checked if isinstance(c, PresenceIntake)]
        statuses = [c.report for c in checked if isinstance(c, StatusReport)]
        rejections = [c for c in checked if isinstance(c, Rejection)]
        async with self._store.transaction() as tx:
            new_events, opened, touched, outbound = await self._store_events(tx, accepted)
            if rejections:
                await tx.add_dead_letters(rejections)
            if statuses:
                await tx.record_device_status(statuses)
            if outbound:
                await tx.enqueue(outbound)
            if touched:
                await tx.announce(sorted(touched))
        for presence in presences:
            await self._apply_presence(presence)
        for reply in replies:
            await self._apply_reply(reply)
        self._report(batch, accepted, new_events, rejections, opened, time.perf_counter() - started)
        if outbound and self._outbox_nudge is not None:
            self._outbox_nudge.set()

    async def _store_events(
        self, tx: IngestTransaction, accepted: Sequence[AcceptedEvent]
    ) -> tuple[list[AcceptedEvent], int, set[int], list[OutboundMessage]]:
        if not accepted:
            return [], 0, set(), []
        # One batch can hold the same event twice (a resend right behind the original).
        unique = list({(a.event.device_id, a.event.event_id): a for a in reversed(accepted)}.values())[::-1]
        stored = await tx.add_events([(a.event, a.payload) for a in unique])
        new_events = [a for a in unique if (a.event.device_id, a.event.event_id) in stored]
        if not new_events:
            return [], 0, set(), []
        current = await tx.lock_open_incidents(sorted({a.event.site_id for a in new_events}))
        timeline: dict[str, list[TimelineEntry]] = {}
        members: dict[str, list[int]] = {}
        changed: dict[str, Incident] = {}
        for item in new_events:
            event = item.event
            site = self._district.sites[event.site_id]
            result = correlate(current.get(event.site_id), event, site.test_mode)
            if result.incident is None:
                continue
            if result.incident != current.get(event.site_id):
                changed[event.site_id] = result.incident
            current[event.site_id] = result.incident
            timeline.setdefault(event.site_id, []).extend(result.timeline)
            members.setdefault(event.site_id, []).append(stored[(event.device_id, event.event_id)])
        opened = 0
        touched: set[int] = set()
        links: list[tuple[int, int]] = []
        for site_id, incident in changed.items():
            was_new = incident.id is None
            saved = await tx.save_incident(incident)
            assert saved.id is not None
            opened += was_new
            if was_new:
                await tx.schedule_timers(timers_for_new_incident(saved, self._district, saved.created_at))
            touched.add(saved.id)
            links.extend((saved.id, pk) for pk in members.get(site_id, ()))
            if timeline.get(site_id):
                await tx.append_timeline(saved.id, timeline[site_id])
            for item in new_events:
                if item.event.site_id == site_id:
                    log.info(
                        "event attached" if not was_new else "event stored",
                        site=site_id,
                        device=item.event.device_id,
                        event_id=item.event.event_id,
                        type=item.event.type,
                        incident=saved.id,
                        priority=saved.priority.value,
                        event_count=saved.event_count,
                    )
        if links:
            await tx.link_events(links)
        return new_events, opened, touched, self._feedback(new_events)

    async def _apply_presence(self, intake: PresenceIntake) -> None:
        if self._lifecycle is None:
            raise RuntimeError("officer presence needs the lifecycle service")
        p = intake.presence
        actor = f"officer:{intake.officer_id}"
        if p.on_duty is not None:
            await self._lifecycle.sign_on(intake.officer_id, p.on_duty, actor)
        if p.lat is not None and p.lon is not None:
            await self._lifecycle.report_location(intake.officer_id, p.lat, p.lon)

    async def _apply_reply(self, intake: ReplyIntake) -> None:
        """An officer's answer over MQTT, committed before the message is acknowledged. An answer
        the lifecycle refuses (not theirs, not possible now) is dead-lettered with the reason."""
        if self._lifecycle is None:
            raise RuntimeError("officer replies need the lifecycle service")
        reply = intake.reply
        command = OfficerReplyCommand(
            officer_id=intake.officer_id,
            dispatch_id=intake.dispatch_id,
            action=reply.action,
            at=intake.message.received_at,
            note=reply.note or "",
            lat=reply.lat,
            lon=reply.lon,
        )
        try:
            await self._lifecycle.officer_reply(command)
        except (IllegalTransition, NotAllowed, NotFound) as exc:
            reason = {IllegalTransition: "illegal_transition", NotAllowed: "not_allowed", NotFound: "unknown_dispatch"}
            rejection = Rejection(
                intake.message.topic, intake.message.payload, intake.message.received_at, reason[type(exc)], str(exc)
            )
            async with self._store.transaction() as tx:
                await tx.add_dead_letters([rejection])
            self._observer.rejected(rejection.reason)
            log.warning("officer reply refused", officer=intake.officer_id, reason=rejection.reason, detail=str(exc))

    def _feedback(self, events: Sequence[AcceptedEvent]) -> list[OutboundMessage]:
        return [
            OutboundMessage(
                self._topics.button_feedback(a.event.site_id, a.event.device_id),
                encode(ButtonFeedback(event_id=a.event.event_id, state=FeedbackState.RECEIVED, ts=_now())),
            )
            for a in events
            if a.event.device_kind == "button" and a.event.type in _CONFIRMED_BUTTON_EVENTS
        ]

    def _report(
        self,
        batch: Sequence[InboundMessage],
        accepted: Sequence[AcceptedEvent],
        new_events: Sequence[AcceptedEvent],
        rejections: Sequence[Rejection],
        opened: int,
        seconds: float,
    ) -> None:
        observer = self._observer
        observer.batch_committed(len(batch), seconds)
        for kind, count in Counter(a.event.device_kind for a in new_events).items():
            observer.events_stored(kind, count)
        if len(accepted) > len(new_events):
            observer.duplicates(len(accepted) - len(new_events))
            new_keys = {(a.event.device_id, a.event.event_id) for a in new_events}
            for a in accepted:
                if (a.event.device_id, a.event.event_id) not in new_keys:
                    log.info(
                        "duplicate event ignored",
                        site=a.event.site_id,
                        device=a.event.device_id,
                        event_id=a.event.event_id,
                    )
        if opened:
            observer.incidents_opened(opened)
        for r in rejections:
            observer.rejected(r.reason)
            log.warning("message rejected", topic=r.topic, reason=r.reason, detail=r.detail[:300])


def _now() -> datetime:
    # Feedback carries the hub's wall clock; the domain never reads it.
    return datetime.now().astimezone()
