"""The alarm lane's feedback goes out the moment its transaction commits, from rows written already
claimed: the relay never sends them too, takes them at once when the send fails, and after the lease
when the sender died before sending. And the routine lane gives way to an alarm in hand, and the
incidents a batch commits reach this instance's live views from memory, as the change feed would load them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devices.contract import DeviceState, Topics
from devices.link import status_payload
from hub.adapters.metrics import HubMetrics
from hub.adapters.postgres.changes import CHANGES_CHANNEL
from hub.adapters.postgres.outbox import PostgresOutbox
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.adapters.postgres.store import PostgresStore
from hub.config import load_district
from hub.domain.district import District
from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident
from hub.services.ingest import IngestService
from hub.services.intake import IntakeChecker, IntakeLimits
from hub.services.lanes import AlarmRightOfWay, RoutineTurns
from hub.services.messages import InboundMessage, OutboundMessage
from hub.services.outbox import ImmediateSender, OutboxRelay
from hub.services.ports import JsonObject
from simulators.button import press_payload
from tests.integration.conftest import eventually

RECEIVED = OutboundMessage("t/site/s1/button/b1/feedback", b'{"state": "received"}')


class RecordingPublisher:
    """Stands for the broker link: keeps what it was given, or refuses while `failing`."""

    def __init__(self, failing: bool = False) -> None:
        self.failing = failing
        self.published: list[OutboundMessage] = []

    async def publish(self, message: OutboundMessage, not_after: float | None = None) -> None:
        if self.failing:
            raise ConnectionError("broker away")
        self.published.append(message)

    async def publish_all(
        self, messages: Sequence[OutboundMessage], *, not_after: float | None = None, timeout_s: float
    ) -> list[BaseException | None]:
        results: list[BaseException | None] = []
        for message in messages:
            try:
                await self.publish(message, not_after)
                results.append(None)
            except ConnectionError as exc:
                results.append(exc)
        return results


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=3)
    yield pool
    await pool.close()


async def write_claimed(pool: asyncpg.Pool, sender: ImmediateSender) -> None:
    """What the alarm lane does: rows written claimed in its transaction, sent after the commit."""
    lease = sender.lease()
    async with PostgresStore(pool).transaction() as tx:
        rows = await tx.outbox.enqueue_claimed([RECEIVED], lease.token, lease.lease_s)
    sender.send(lease, rows)


async def unsent(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")


async def test_feedback_sent_at_commit_is_marked_sent_and_never_sent_again_by_the_relay(pool: asyncpg.Pool) -> None:
    publisher = RecordingPublisher()
    outbox = PostgresOutbox(pool)
    await write_claimed(pool, ImmediateSender(outbox, publisher, asyncio.Event()))

    async def all_sent() -> bool:
        return await unsent(pool) == 0

    await eventually(all_sent, timeout=5)
    assert publisher.published == [RECEIVED]
    assert await OutboxRelay(outbox, publisher, asyncio.Event()).relay_once() == 0
    assert publisher.published == [RECEIVED]


async def test_feedback_that_cannot_be_sent_at_commit_is_released_to_the_relay_at_once(pool: asyncpg.Pool) -> None:
    outbox = PostgresOutbox(pool)
    nudge = asyncio.Event()
    await write_claimed(pool, ImmediateSender(outbox, RecordingPublisher(failing=True), nudge))
    await asyncio.wait_for(nudge.wait(), 5)  # the relay is woken
    working = RecordingPublisher()
    assert await OutboxRelay(outbox, working, asyncio.Event()).relay_once() == 1  # no lease to wait out
    assert working.published == [RECEIVED]
    assert await unsent(pool) == 0


async def test_feedback_of_a_sender_that_died_before_sending_is_the_relays_once_the_lease_lapses(
    pool: asyncpg.Pool,
) -> None:
    outbox = PostgresOutbox(pool)
    died = ImmediateSender(outbox, RecordingPublisher(), asyncio.Event(), lease_s=1.0)
    lease = died.lease()
    async with PostgresStore(pool).transaction() as tx:
        await tx.outbox.enqueue_claimed([RECEIVED], lease.token, lease.lease_s)
    # ... and the hub is killed before `send`: nothing of the claim goes out.
    publisher = RecordingPublisher()
    relay = OutboxRelay(outbox, publisher, asyncio.Event())
    assert await relay.relay_once() == 0, "the relay took a row still under its lease"
    await asyncio.sleep(1.2)
    assert await relay.relay_once() == 1
    assert publisher.published == [RECEIVED]


class QueuedMessages:
    """A message source: what the test puts in, acknowledged into `acked`."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[InboundMessage] = asyncio.Queue()
        self.acked: list[InboundMessage] = []

    async def next_batch(self, max_messages: int) -> list[InboundMessage]:
        return [await self.queue.get()]

    def acknowledge(self, messages: Sequence[InboundMessage]) -> None:
        self.acked.extend(messages)


def ingest_on(pool: asyncpg.Pool, district: District, topics: Topics, **more: Any) -> IngestService:
    """The ingest service on the test database: default limits, fresh metrics, `more` as given."""
    checker = IntakeChecker(topics, district, IntakeLimits())
    return IngestService(checker, PostgresStore(pool), district, topics, HubMetrics(), **more)


async def test_the_routine_lane_commits_nothing_new_while_the_alarm_lane_holds_an_alarm(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    topics = Topics("sentinel")
    district = load_district(district_file)
    right_of_way = AlarmRightOfWay(max_hold_s=30.0)
    routine = ingest_on(pool, district, topics, lane=RoutineTurns(right_of_way))
    source = QueuedMessages()
    right_of_way.alarm_taken()
    task = asyncio.create_task(routine.run(source, 100))
    try:
        heartbeat = status_payload(DeviceState.ONLINE, battery=90)
        source.queue.put_nowait(
            InboundMessage(topics.device_status("site-00", "button", "btn-00-0"), heartbeat, datetime.now(UTC))
        )
        await asyncio.sleep(0.5)
        assert source.acked == [], "routine work went ahead of an alarm in hand"
        right_of_way.alarms_done()

        async def acked() -> bool:
            return len(source.acked) == 1

        await eventually(acked, timeout=5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_incidents_a_batch_commits_are_shown_from_memory_exactly_as_the_change_feed_loads_them(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    topics = Topics("sentinel")
    district = load_district(district_file)
    queries = PostgresIncidentQueries(pool, district)
    shown: list[JsonObject] = []

    def show(incidents: Sequence[Incident]) -> None:
        shown.extend(queries.incident_view(incident).dump() for incident in incidents)

    ingest = ingest_on(pool, district, topics, show_committed=show)
    for n in range(2):  # a press that opens the incident, then one that joins it
        _, payload = press_payload("panic")
        await ingest.process([InboundMessage(topics.button_event("site-00", "btn-00-0"), payload, datetime.now(UTC))])
        assert len(shown) == n + 1
        loaded = await queries.incidents_by_id([shown[-1]["id"]])
        assert shown[-1] == loaded[0].dump()
        assert loaded[0].event_count == n + 1


def panic_at(site_id: str, device_id: str) -> tuple[DeviceEvent, JsonObject]:
    now = datetime.now(UTC)
    return DeviceEvent(site_id, device_id, "button", uuid.uuid4().hex, "panic", now, now, fingerprint="f"), {}


async def test_one_round_trip_locks_the_free_sites_and_stores_only_their_events(
    pool: asyncpg.Pool, database_url: str
) -> None:
    other = await asyncpg.connect(database_url)
    try:
        async with other.transaction():  # another writer holds site-01
            await other.execute("SELECT pg_advisory_xact_lock(hashtextextended('site:' || 'site-01', 0))")
            free, busy = panic_at("site-00", "btn-00-0"), panic_at("site-01", "btn-01-0")
            async with PostgresStore(pool).transaction() as tx:
                locked, stored = await tx.events.add_events_of_free_sites(["site-00", "site-01"], [free, busy])
            assert locked == {"site-00"}
            assert set(stored) == {("btn-00-0", free[0].event_id)}
    finally:
        await other.close()
    ids = await pool.fetch(
        "SELECT event_id FROM events WHERE event_id = ANY($1::text[])", [free[0].event_id, busy[0].event_id]
    )
    assert [r["event_id"] for r in ids] == [free[0].event_id]


async def test_the_outbox_insert_announces_the_incidents_it_is_given_and_nothing_without_them(
    pool: asyncpg.Pool, database_url: str
) -> None:
    heard: list[str] = []
    listener = await asyncpg.connect(database_url)
    try:
        await listener.add_listener(CHANGES_CHANNEL, lambda _c, _pid, _ch, payload: heard.append(payload))
        lease = ImmediateSender(PostgresOutbox(pool), RecordingPublisher(), asyncio.Event()).lease()
        async with PostgresStore(pool).transaction() as tx:
            quiet = await tx.outbox.enqueue_claimed([RECEIVED], lease.token, lease.lease_s)
        async with PostgresStore(pool).transaction() as tx:
            announced = await tx.outbox.enqueue_claimed([RECEIVED], lease.token, lease.lease_s, announce=[7, 9])
        await asyncio.sleep(0.3)
    finally:
        await listener.close()
    assert [m for _, m in quiet] == [RECEIVED] and [m for _, m in announced] == [RECEIVED]
    assert [json.loads(p) for p in heard] == [{"type": "incidents", "ids": [7, 9]}]


async def test_a_press_opening_an_incident_and_one_joining_it_each_commit_their_writes_in_three_statements(
    database_url: str, district_file: Path
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    sent: list[str] = []
    transactions: list[list[str]] = []
    try:
        async with pool.acquire() as conn:  # the pool's one connection: every statement of the test
            conn.add_query_logger(lambda logged: sent.append(logged.query))
        topics = Topics("sentinel")
        sender = ImmediateSender(PostgresOutbox(pool), RecordingPublisher(), asyncio.Event())
        ingest = ingest_on(pool, load_district(district_file), topics, send_at_commit=sender)
        # Presses at another site first: the connection warm (asyncpg's type introspection done), as in the hub.
        for site, button in (
            ("site-01", "btn-01-0"),
            ("site-01", "btn-01-0"),
            ("site-00", "btn-00-0"),
            ("site-00", "btn-00-0"),
        ):
            sent.clear()
            _, payload = press_payload("panic")
            await ingest.process([InboundMessage(topics.button_event(site, button), payload, datetime.now(UTC))])
            begin = next(i for i, q in enumerate(sent) if q.strip().upper().startswith("BEGIN"))
            commit = next(i for i, q in enumerate(sent) if q.strip().upper().startswith("COMMIT"))
            transactions.append(sent[begin + 1 : commit])
    finally:
        await pool.close()
    # The sites' try-locks with the events; the open incidents (and, where none is, the new one's id); the
    # outbox row and its NOTIFY, carrying the incident's insert or update, the event's link to it, and for a
    # new incident its timeline and timers (each had a round trip of its own before they were held).
    opening, joining = transactions[2:]
    assert len(opening) == 3, "\n".join(opening)
    assert "nextval(" in opening[1], opening[1]
    assert "INSERT INTO incidents" in opening[2] and "INSERT INTO incident_events" in opening[2], opening[2]
    assert len(joining) == 3, "\n".join(joining)
    assert "UPDATE incidents" in joining[2] and "INSERT INTO incident_events" in joining[2], joining[2]


async def test_a_press_at_a_site_another_writer_of_the_process_holds_commits_the_moment_it_lets_go(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    topics = Topics("sentinel")
    released = asyncio.Event()
    ingest = ingest_on(pool, load_district(district_file), topics, sites_released=released)
    source = QueuedMessages()
    task = asyncio.create_task(ingest.run(source, 100, retry_deferred_s=5.0))  # its polling: far too late
    try:
        async with PostgresStore(pool, on_sites_released=released.set).transaction() as tx:
            await tx.incidents.lock_sites(["site-00"])  # the desk, or the leader's round, on the site
            _, payload = press_payload("panic")
            source.queue.put_nowait(
                InboundMessage(topics.button_event("site-00", "btn-00-0"), payload, datetime.now(UTC))
            )
            await asyncio.sleep(0.3)
            assert source.acked == [], "the press went through a site another writer held"
        let_go = time.monotonic()

        async def acked() -> bool:
            return len(source.acked) == 1

        await eventually(acked, timeout=5)
        assert time.monotonic() - let_go < 1.0, "the deferred press waited for its polling delay"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_incident_ids_follow_one_another_when_events_open_nothing_or_join_an_open_incident(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    topics = Topics("sentinel")
    ingest = ingest_on(pool, load_district(district_file), topics)
    presses = [("cancel", "site-00"), ("panic", "site-01"), ("panic", "site-01"), ("cancel", "site-02")]
    presses += [("panic", "site-02")]
    for event_type, site in presses:
        _, payload = press_payload(event_type)
        button = f"btn-{site.removeprefix('site-')}-0"
        await ingest.process([InboundMessage(topics.button_event(site, button), payload, datetime.now(UTC))])
    rows = await pool.fetch("SELECT id, site_id FROM incidents ORDER BY id")
    assert [(r["id"], r["site_id"]) for r in rows] == [(1, "site-01"), (2, "site-02")]


async def test_the_guards_received_goes_to_the_broker_before_the_press_is_acknowledged(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    """Right after the commit the `received` is handed over, ahead of the rest of the batch's follow-up (here the
    acknowledgement; in the hub also the right of way and the next checks), not once the lane next waits."""
    order: list[str] = []

    class Publisher(RecordingPublisher):
        async def publish(self, message: OutboundMessage, not_after: float | None = None) -> None:
            order.append("received")
            await super().publish(message, not_after)

    class Source(QueuedMessages):
        def acknowledge(self, messages: Sequence[InboundMessage]) -> None:
            order.append("acknowledged")
            super().acknowledge(messages)

    topics = Topics("sentinel")
    sender = ImmediateSender(PostgresOutbox(pool), Publisher(), asyncio.Event())
    ingest = ingest_on(pool, load_district(district_file), topics, send_at_commit=sender)
    source = Source()
    task = asyncio.create_task(ingest.run(source, 100))
    try:
        _, payload = press_payload("panic")
        source.queue.put_nowait(InboundMessage(topics.button_event("site-00", "btn-00-0"), payload, datetime.now(UTC)))

        async def acked() -> bool:
            return len(source.acked) == 1

        await eventually(acked, timeout=5)
        assert order == ["received", "acknowledged"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
