"""The ingest pipeline: batches of device messages → one transaction → acknowledge → announce.

Durability rule (DESIGN.md): a message is acknowledged to the broker only after what it carries is
committed, so a crash at any instant loses nothing; a redelivery is a duplicate the store ignores.

Over 400 lines on purpose: the pipeline's stages (check ahead, record, commit, acknowledge in commit order,
announce) share one ordering invariant, and keeping them in one class keeps that invariant readable in one place;
what each stage decides lives elsewhere (intake checks, recording, lanes).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog

from devices.contract import ButtonEvent, ButtonEventType, Topics, encode
from hub.domain.district import District
from hub.domain.incidents import Incident
from hub.domain.lifecycle import IllegalTransition
from hub.domain.warnings import WarningState
from hub.services.backoff import Backoff
from hub.services.clock import utc_now
from hub.services.health import Availability, sleep_or_recovered
from hub.services.intake import (
    AcceptedEvent,
    AckIntake,
    Intake,
    IntakeChecker,
    PresenceIntake,
    ReplyIntake,
    StatusReport,
)
from hub.services.lanes import LaneTurns
from hub.services.lifecycle import (
    LifecycleService,
    NotAllowed,
    NotFound,
    OfficerReplyCommand,
)
from hub.services.media import MediaFiles, take_inline_media
from hub.services.messages import InboundMessage, OutboundMessage, Rejection
from hub.services.outbox import ImmediateSender, OutboxLease
from hub.services.ports import IngestObserver, MessageSource
from hub.services.ports.devices import MediaItem
from hub.services.ports.transaction import Store, Transaction
from hub.services.recording import EventRecorder, Recorded
from hub.services.supervision import SupervisionService
from hub.services.warnings import WarningService

log = structlog.get_logger(__name__)

_CHECK_SLICE = 50  # messages checked between two turns of the event loop
REHEARSAL_TIMEOUT_S = 2.0  # a rehearsal slower than this is no use: the start goes on without it

# What a transaction sends the moment it commits: the lease its outbox rows were written under, and the rows.
_AtCommit = tuple[OutboxLease, list[tuple[int, OutboundMessage]]]


class IngestService:
    def __init__(
        self,
        intake: IntakeChecker,
        store: Store,
        district: District,
        topics: Topics,
        observer: IngestObserver,
        on_committed: asyncio.Event | None = None,
        lifecycle: LifecycleService | None = None,
        supervision: SupervisionService | None = None,
        media_files: MediaFiles | None = None,
        warnings: WarningService | None = None,
        database: Availability | None = None,
        lane: LaneTurns | None = None,
        send_at_commit: ImmediateSender | None = None,
        show_committed: Callable[[Sequence[Incident]], None] | None = None,
        opened_incidents: asyncio.Event | None = None,
        sites_released: asyncio.Event | None = None,
    ) -> None:
        # The lanes share the event loop: the alarm lane says when it holds alarms, the routine lane
        # then holds back (hub/services/lanes.py).
        self._lane = lane if lane is not None else LaneTurns()
        # The alarm lane's feedback goes out right after its commit instead of through the relay.
        self._send_at_commit = send_at_commit
        # This instance's live views get the incidents a batch changed the moment it commits, from
        # memory; the NOTIFY that every instance hears follows with the row as read back.
        self._show_committed = show_committed
        # Set after a commit that opened incidents: their automatic dispatch is a timer due at once.
        self._opened_incidents = opened_incidents
        # Set when a transaction of this process that held sites' locks ends: deferred events of a busy
        # site are retried then (another process's holder is waited for by polling, `retry_deferred_s`).
        self._sites_released = sites_released
        self._warnings = warnings
        # Tells a database outage from a bad message, and when the database is back.
        self._database = database
        self._media_files = media_files
        self._lifecycle = lifecycle
        self._supervision = supervision
        self._recorder = EventRecorder(district, topics)
        self._intake = intake
        self._store = store
        self._district = district
        self._topics = topics
        self._observer = observer
        # Set after each commit that queued outbound messages, to wake the outbox relay.
        self._outbox_nudge = on_committed

    async def run(self, source: MessageSource, batch_max: int, retry_deferred_s: float = 0.1) -> None:
        """Consume forever: one batch per transaction. While one batch commits, the messages that
        arrive meanwhile are taken and checked (parsing and validation overlap the database's work),
        up to one batch ahead; they make the next batch, so under load batches grow by themselves.
        Commits, and so acknowledgements, follow one another in arrival order. Messages of a site
        that another writer holds are deferred: kept unacknowledged and retried with the next batch, when
        a writer of this process lets go of its sites, or after `retry_deferred_s`, whichever comes
        first, while the rest are committed and acknowledged."""
        ahead = _CheckedAhead(batch_max)
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._check_ahead(source, ahead), name="ingest-check-ahead")
            deferred: list[InboundMessage] = []
            while True:
                if not deferred:
                    await ahead.wait()
                else:
                    await self._retry_wake(ahead, retry_deferred_s)
                await self._lane.before_batch()
                if self._sites_released is not None:
                    self._sites_released.clear()  # releases from here on concern this batch's busy sites
                messages, intakes = ahead.take()
                batch = [*deferred, *messages]
                checked = [*(self._intake.check(m) for m in deferred), *intakes]
                deferred = await self._process_until_committed(batch, checked)
                if deferred:
                    held = {id(m) for m in deferred}
                    source.acknowledge([m for m in batch if id(m) not in held])
                else:
                    source.acknowledge(batch)
                if not deferred and ahead.empty:
                    self._lane.settled()

    async def rehearse(self) -> None:
        """Run the transactions of a press that opens an incident and of one that joins it, from a made-up
        press at the district's first button, and roll them back: the first real alarm after a start then
        finds its statements prepared on the lane's connection and the server's caches warm, as every later
        one does (cold, it took several times the usual time). Nothing is left behind: no row, no NOTIFY,
        no message sent, nothing counted. Run it before messages flow (its round trips would wait behind
        them). Never fails the start: a database not there yet only means the first alarm is slower."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(REHEARSAL_TIMEOUT_S), self._store.rehearsal() as tx:
                for _ in range(2):  # the first press opens an incident (or joins one open), the second joins it
                    if await self.rehearsal_press(tx) is None:
                        return
        except Exception as exc:
            log.warning("ingest rehearsal failed; the first alarm may be slower", error=repr(exc))
            return
        log.info("ingest rehearsed", ms=round((time.perf_counter() - started) * 1000, 1))

    async def rehearsal_press(self, tx: Transaction, site: int = 0) -> Incident | None:
        """A made-up panic at the first button of the district's `site`-th site with buttons, recorded on `tx`
        (a rehearsal's) as a real one would be; the incident it opened or joined, None if there is no such
        button or its site was busy."""
        sites = list(dict.fromkeys(d.site_id for d in self._district.devices.values() if d.kind == "button"))
        if site >= len(sites):
            return None
        button = next(d for d in self._district.devices_at(sites[site]) if d.kind == "button")
        now = utc_now()
        press = ButtonEvent(event_id=uuid.uuid4().hex, type=ButtonEventType.PANIC, ts=now)
        topic = self._topics.button_event(button.site_id, button.id)
        checked = self._intake.check(InboundMessage(topic, encode(press), now))
        if not isinstance(checked, AcceptedEvent):
            raise AssertionError(f"the rehearsal's press was refused: {checked}")
        recorded, _, _ = await self._write(tx, [checked], [], [], [], now, defer_busy_sites=True, rehearsal=True)
        return recorded.saved[0] if recorded.saved else None

    async def _retry_wake(self, ahead: _CheckedAhead, retry_s: float) -> None:
        """Until messages arrive, a site this process held is let go, or `retry_s` passes."""
        wakes: list[asyncio.Future[object]] = [asyncio.ensure_future(ahead.wait())]
        if self._sites_released is not None:
            wakes.append(asyncio.ensure_future(self._sites_released.wait()))
        try:
            await asyncio.wait(wakes, timeout=retry_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wake in wakes:
                wake.cancel()

    async def _check_ahead(self, source: MessageSource, ahead: _CheckedAhead) -> None:
        """Take and check messages as they arrive, in slices that let the event loop go between them
        (the other lane's alarm is never held up by a long stretch of routine parsing)."""
        while True:
            await ahead.room()
            batch = await source.next_batch(min(_CHECK_SLICE, ahead.space))
            await self._lane.took()
            ahead.add(batch, [self._intake.check(m) for m in batch])
            await asyncio.sleep(0)

    async def _process_until_committed(
        self, batch: Sequence[InboundMessage], checked: Sequence[Intake] | None = None
    ) -> list[InboundMessage]:
        """A failed batch stays unacknowledged and is retried with backoff (the database may be
        down: lose nothing, wait for it). A batch that keeps failing while the database works is
        split, so one poisonous message cannot stop the others: it ends in the dead-letter store.
        During an outage the batch waits for the database's return and is retried the moment it is
        back, whatever the backoff had reached; it is never split for an outage. Returns the messages
        deferred (their site was busy)."""
        backoff = Backoff(initial_s=0.25, maximum_s=10.0)
        for attempt in range(1, 1_000_000):
            try:
                deferred = await self.process(batch, checked=checked if attempt == 1 else None)
                if attempt > 1:
                    log.info("ingest recovered", attempts=attempt, batch=len(batch))
                return deferred
            except Exception as exc:
                outage = self._is_outage(exc)
                if outage and attempt > 1:
                    log.warning("ingest waits for the database", error=repr(exc), attempt=attempt, batch=len(batch))
                else:
                    log.error("ingest batch failed; retrying", error=repr(exc), attempt=attempt, batch=len(batch))
                if not outage and attempt >= 3 and len(batch) > 1 and await self._isolate(batch):
                    return []
            await sleep_or_recovered(backoff.next_delay(), self._database.recovered if self._database else None)
        raise AssertionError("unreachable")

    def _is_outage(self, error: BaseException) -> bool:
        return self._database is not None and self._database.is_outage(error)

    async def _isolate(self, batch: Sequence[InboundMessage]) -> bool:
        """Process one message at a time; dead-letter the ones that fail alone. False if even that
        is impossible (the database is down), so the caller keeps retrying the whole batch."""
        for message in batch:
            try:
                # One at a time, a busy site is waited for (bounded by the database's lock timeout).
                await self.process([message], defer_busy_sites=False)
            except Exception as exc:
                if self._is_outage(exc):
                    return False  # the database went away meanwhile: not this message's fault
                rejection = Rejection(message.topic, message.payload, message.received_at, "internal_error", repr(exc))
                try:
                    async with self._store.transaction() as tx:
                        await tx.events.add_dead_letters([rejection])
                except Exception:
                    return False
                self._observer.rejected("internal_error")
                log.error("message dead-lettered after failing alone", topic=message.topic, error=repr(exc))
        return True

    async def process(
        self,
        batch: Sequence[InboundMessage],
        defer_busy_sites: bool = True,
        checked: Sequence[Intake] | None = None,
    ) -> list[InboundMessage]:
        """Commit what the batch carries (`checked`: its messages already checked, in order); return
        the messages deferred because their site was busy."""
        started = time.perf_counter()
        now = utc_now()
        if checked is None:
            checked = [self._intake.check(message) for message in batch]
        accepted = [c for c in checked if isinstance(c, AcceptedEvent)]
        replies = [c for c in checked if isinstance(c, ReplyIntake)]
        presences = [c for c in checked if isinstance(c, PresenceIntake)]
        acks = [c for c in checked if isinstance(c, AckIntake)]
        statuses = [c for c in checked if isinstance(c, StatusReport)]
        rejections = [c for c in checked if isinstance(c, Rejection)]
        recorded = await self.record(accepted, statuses, rejections, now, defer_busy_sites)
        if recorded.deferred:
            held = {id(e) for e in recorded.deferred}
            accepted = [a for a in accepted if id(a.event) not in held]
        for ack in acks:
            await self._apply_ack(ack)
        for presence in presences:
            await self._apply_presence(presence)
        for reply in replies:
            await self._apply_reply(reply)
        self._report(batch, accepted, recorded, rejections, time.perf_counter() - started)
        if not recorded.deferred:
            return []
        held = {id(e) for e in recorded.deferred}
        self._observer.deferred(len(held))
        return [c.message for c in checked if isinstance(c, AcceptedEvent) and id(c.event) in held and c.message]

    async def record(
        self,
        accepted: Sequence[AcceptedEvent],
        statuses: Sequence[StatusReport] = (),
        rejections: Sequence[Rejection] = (),
        now: datetime | None = None,
        defer_busy_sites: bool = False,
    ) -> Recorded:
        """Commit checked events, status reports and rejections in one transaction, then do what
        follows from them (fault incidents that close, rule warnings). Every source of device facts
        uses it: MQTT here, alarm panels over DC-09 too. Returns once everything is committed."""
        now = now or utc_now()
        media: list[MediaItem] = []
        if self._media_files is not None:
            accepted, media = await take_inline_media(accepted, self._media_files, self._district)
        async with self._store.transaction() as tx:
            recorded, returned, at_commit = await self._write(
                tx, accepted, media, statuses, rejections, now, defer_busy_sites
            )
        if at_commit is not None and self._send_at_commit is not None:
            self._send_at_commit.send(*at_commit)
        elif recorded.outbound and self._outbox_nudge is not None:
            self._outbox_nudge.set()
        if recorded.saved and self._show_committed is not None:
            self._show_committed(recorded.saved)
        if at_commit is not None:
            # One turn of the loop: the task sending the guard's `received`, then the consoles' streams, write
            # to their sockets now, not after the rest of this batch's follow-up (acknowledging, the right of
            # way, the next batch's checks): 0.2-0.4 ms sooner a press (benchmarks/README.md, "Ninth pass").
            await asyncio.sleep(0)
        if recorded.opened and self._opened_incidents is not None:
            self._opened_incidents.set()
        if returned and self._supervision is not None:
            self._supervision.restored(sorted({site for site, _ in returned}))
        if self._warnings is not None and recorded.new_events:
            await self._warnings.on_events(recorded.new_events, recorded.incident_of_site)
        return recorded

    async def _write(
        self,
        tx: Transaction,
        accepted: Sequence[AcceptedEvent],
        media: Sequence[MediaItem],
        statuses: Sequence[StatusReport],
        rejections: Sequence[Rejection],
        now: datetime,
        defer_busy_sites: bool,
        rehearsal: bool = False,
    ) -> tuple[Recorded, list[tuple[str, str]], _AtCommit | None]:
        """`record`'s transaction: what it recorded, the devices back or whose fault ended, and what
        to send at its commit."""
        recorded = await self._recorder.record(
            tx, [(a.event, a.payload) for a in accepted], now, defer_busy_sites, rehearsal=rehearsal
        )
        reused = _reused_ids(accepted, recorded)
        rejections = [*rejections, *reused]
        for r in reused:  # the batch's other rejections are counted by the caller
            self._observer.rejected(r.reason)
            log.warning("event id reused with other content", topic=r.topic, detail=r.detail)
        new_media = [
            (recorded.pks[(m.device_id, m.event_id)], m) for m in media if (m.device_id, m.event_id) in recorded.pks
        ]
        if new_media:
            await tx.media.add_media(new_media)
        returned = await self._supervision.heard(tx, accepted, statuses, now) if self._supervision else []
        if rejections:
            await tx.events.add_dead_letters(rejections)
        if statuses:
            await tx.events.record_device_status([s.report for s in statuses])
        at_commit: _AtCommit | None = None
        announce = sorted(recorded.touched)
        if recorded.outbound and self._send_at_commit is not None:
            lease = self._send_at_commit.lease()
            # The change's NOTIFY rides on the outbox insert: one round trip less before the commit.
            rows = await tx.outbox.enqueue_claimed(recorded.outbound, lease.token, lease.lease_s, announce=announce)
            at_commit, announce = (lease, rows), []
        elif recorded.outbound:
            await tx.outbox.enqueue(recorded.outbound)
        if announce:
            await tx.changes.announce(announce)
        return recorded, returned, at_commit

    async def _apply_ack(self, intake: AckIntake) -> None:
        """A loudspeaker's ack, recorded before the message is acknowledged; an ack of a command the
        hub never sent this speaker is dead-lettered."""
        if self._warnings is None:
            raise RuntimeError("speaker acks need the warning service")
        ack = intake.ack
        known = await self._warnings.acknowledge(
            intake.speaker_id, ack.command_id, WarningState(ack.state.value), ack.ts, ack.error or ""
        )
        if not known:
            message = intake.message
            rejection = Rejection(
                message.topic, message.payload, message.received_at, "unknown_command", ack.command_id
            )
            async with self._store.transaction() as tx:
                await tx.events.add_dead_letters([rejection])
            self._observer.rejected(rejection.reason)

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
                await tx.events.add_dead_letters([rejection])
            self._observer.rejected(rejection.reason)
            log.warning("officer reply refused", officer=intake.officer_id, reason=rejection.reason, detail=str(exc))

    def _report(
        self,
        batch: Sequence[InboundMessage],
        accepted: Sequence[AcceptedEvent],
        recorded: Recorded,
        rejections: Sequence[Rejection],
        seconds: float,
    ) -> None:
        observer = self._observer
        observer.batch_committed(len(batch), seconds)
        new_events = recorded.new_events
        for kind, count in Counter(e.device_kind for e in new_events).items():
            observer.events_stored(kind, count)
        if len(accepted) > len(new_events):
            observer.duplicates(len(accepted) - len(new_events))
            new_keys = {(e.device_id, e.event_id) for e in new_events}
            for a in accepted:
                if (a.event.device_id, a.event.event_id) not in new_keys:
                    log.debug(
                        "duplicate event ignored",
                        site=a.event.site_id,
                        device=a.event.device_id,
                        event_id=a.event.event_id,
                    )
        if recorded.opened:
            observer.incidents_opened(recorded.opened)
        for r in rejections:
            observer.rejected(r.reason)
            log.warning("message rejected", topic=r.topic, reason=r.reason, detail=r.detail[:300])


class _CheckedAhead:
    """Messages taken and checked, not yet in a batch: at most one batch's worth."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._messages: list[InboundMessage] = []
        self._intakes: list[Intake] = []
        self._arrived = asyncio.Event()
        self._taken = asyncio.Event()

    @property
    def empty(self) -> bool:
        return not self._messages

    @property
    def space(self) -> int:
        return self._limit - len(self._messages)

    def add(self, messages: Sequence[InboundMessage], intakes: Sequence[Intake]) -> None:
        self._messages.extend(messages)
        self._intakes.extend(intakes)
        self._arrived.set()

    async def wait(self) -> None:
        """Until something is there to take."""
        while not self._messages:
            self._arrived.clear()
            await self._arrived.wait()

    async def room(self) -> None:
        """Until there is room for more."""
        while self.space <= 0:
            self._taken.clear()
            await self._taken.wait()

    def take(self) -> tuple[list[InboundMessage], list[Intake]]:
        messages, intakes = self._messages, self._intakes
        self._messages, self._intakes = [], []
        self._taken.set()
        return messages, intakes


def _reused_ids(accepted: Sequence[AcceptedEvent], recorded: Recorded) -> list[Rejection]:
    """Dead letters for events that reuse a stored event id with other content (a replay)."""
    reused = {id(e) for e in recorded.reused}
    rejections = []
    for item in accepted:
        if id(item.event) in reused and item.message is not None:
            m = item.message
            detail = f"{item.event.device_id}/{item.event.event_id} is already stored with other content"
            rejections.append(Rejection(m.topic, m.payload, m.received_at, "event_id_reused", detail))
    return rejections
