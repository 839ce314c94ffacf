"""The alarm lane rehearses a press at start: the first real alarm after a start finds every statement of
its transaction prepared, and the rehearsal leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from structlog.testing import capture_logs

from devices.contract import Topics
from hub.adapters.postgres.changes import CHANGES_CHANNEL
from hub.adapters.postgres.outbox import PostgresOutbox
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.store import PostgresStore
from hub.config import load_district
from hub.services.lifecycle import LifecycleService
from hub.services.messages import InboundMessage
from hub.services.outbox import ImmediateSender
from simulators.button import press_payload
from tests.integration.test_alarm_lane_latency import RecordingPublisher, ingest_on

TOPICS = Topics("sentinel")


async def _prepared(conn: asyncpg.Connection) -> set[str]:
    """The statements this session has prepared (this query's own among them once it has run)."""
    return {r["statement"] for r in await conn.fetch("SELECT statement FROM pg_prepared_statements")}


async def _row_counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    counts = {t["table_name"]: await conn.fetchval(f'SELECT count(*) FROM "{t["table_name"]}"') for t in tables}
    # A sequence does not roll back: the incidents' must not have moved (a restart would skip a number).
    counts["incidents_id_seq"] = await conn.fetchval("SELECT last_value + is_called::int FROM incidents_id_seq")
    return counts


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=1)  # one connection: the lane's, as in the hub
    yield pool
    await pool.close()


async def test_after_the_rehearsal_a_press_opening_an_incident_and_one_joining_it_prepare_no_statement(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    sender = ImmediateSender(PostgresOutbox(pool), RecordingPublisher(), asyncio.Event())
    ingest = ingest_on(pool, load_district(district_file), TOPICS, send_at_commit=sender)
    await ingest.rehearse()
    async with pool.acquire() as conn:
        rehearsed = await _prepared(conn)
    assert len(rehearsed) > 5, "the rehearsal prepared nearly nothing"
    # Another site than the rehearsal's (the district's first button is at site-00).
    for _ in range(2):
        _, payload = press_payload("panic")
        message = InboundMessage(TOPICS.button_event("site-01", "btn-01-0"), payload, datetime.now(UTC))
        assert await ingest.process([message]) == []
        async with pool.acquire() as conn:
            added = await _prepared(conn) - rehearsed
        # Marking the `received` sent comes after the commit and the send, off the press's path.
        missed = {q for q in added if not q.startswith("UPDATE outbox SET sent_at")}
        assert missed == set(), "a real press needed a statement the rehearsal missed"
    assert await pool.fetchval("SELECT event_count FROM incidents WHERE site_id = 'site-01'") == 2


async def test_the_rehearsal_leaves_no_row_no_incident_number_no_notify_no_log_of_its_incident_and_sends_nothing(
    pool: asyncpg.Pool, database_url: str, district_file: Path
) -> None:
    listener = await asyncpg.connect(database_url)
    heard: list[str] = []
    await listener.add_listener(CHANGES_CHANNEL, lambda *args: heard.append(args[3]))
    try:
        publisher = RecordingPublisher()
        sender = ImmediateSender(PostgresOutbox(pool), publisher, asyncio.Event())
        opened = asyncio.Event()
        ingest = ingest_on(
            pool,
            load_district(district_file),
            TOPICS,
            send_at_commit=sender,
            opened_incidents=opened,
        )
        async with pool.acquire() as conn:
            before = await _row_counts(conn)
        with capture_logs() as logged:
            await ingest.rehearse()
        await asyncio.sleep(0.3)  # a NOTIFY or a send at commit would be here by now
        async with pool.acquire() as conn:
            assert await _row_counts(conn) == before
        # The site's lock went with the rolled-back transaction: another session takes it at once.
        assert await listener.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended('site:site-00', 0))")
        assert heard == [] and publisher.published == [] and not opened.is_set()
        # No "incident opened" for an incident that never existed: one line says the rehearsal was run.
        assert [line["event"] for line in logged] == ["ingest rehearsed"]
    finally:
        await listener.close()


async def test_after_the_dispatch_rehearsal_a_real_automatic_dispatch_prepares_no_statement(
    pool: asyncpg.Pool, district_file: Path
) -> None:
    district = load_district(district_file)
    ingest = ingest_on(pool, district, TOPICS)
    lifecycle = LifecycleService(PostgresStore(pool), district, TOPICS)
    async with pool.acquire() as conn:
        before = await _row_counts(conn)
    with capture_logs() as logged:
        assert await lifecycle.rehearse_dispatch(ingest.rehearsal_press)
    async with pool.acquire() as conn:
        assert await _row_counts(conn) == before
        rehearsed = await _prepared(conn)
    assert not [line for line in logged if line["event"] == "incident transition"], logged
    _, payload = press_payload("panic")
    message = InboundMessage(TOPICS.button_event("site-01", "btn-01-0"), payload, datetime.now(UTC))
    await ingest.process([message])
    assert await lifecycle.fire_due_timers("test") >= 1
    async with pool.acquire() as conn:
        assert await _prepared(conn) - rehearsed == set(), "the dispatch needed a statement the rehearsal missed"
    assert await pool.fetchval("SELECT count(*) FROM dispatches") == 1
