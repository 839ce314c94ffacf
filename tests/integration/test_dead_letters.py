"""Dead letters are kept bounded (issue 13, finding 3): a large refused payload is stored as a prefix with
its length and SHA-256, and rows past the retention are pruned and counted."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from devices.link import DeviceLink
from hub.adapters.metrics import HubMetrics
from hub.adapters.postgres.dead_letters import KEEP_BYTES, PostgresDeadLetterRetention
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.store import PostgresStore
from hub.services.messages import Rejection
from tests.integration.conftest import HubUnderTest, eventually, fetch_value


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_a_32_mb_bad_payload_is_kept_as_its_prefix_length_and_sha256(pool: asyncpg.Pool) -> None:
    payload = bytes(range(256)) * (32 * 4096)  # 32 MiB
    small = b'{"event_id": 1}'
    now = datetime.now(UTC)
    async with PostgresStore(pool).transaction() as tx:
        await tx.events.add_dead_letters(
            [Rejection("t/big", payload, now, "oversized_payload"), Rejection("t/small", small, now, "bad_type")]
        )
    rows = await pool.fetch("SELECT payload, payload_bytes, payload_sha256 FROM dead_letters ORDER BY topic")
    big, kept_small = rows
    assert big["payload"] == payload[:KEEP_BYTES] and big["payload_bytes"] == 32 * 1024 * 1024
    assert big["payload_sha256"] == hashlib.sha256(payload).digest()
    assert kept_small["payload"] == small and kept_small["payload_bytes"] == len(small)
    assert await pool.fetchval("SELECT pg_total_relation_size('dead_letters')") < 1024 * 1024


async def test_an_oversized_message_from_a_device_is_dead_lettered_as_prefix_length_and_hash(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    payload = b'{"event_id": "' + b"x" * 300_000 + b'"}'
    topic = hub.topics.button_event("site-01", "btn-01-0")
    await asyncio.to_thread(device_link.publish_and_wait, topic, payload)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM dead_letters"))
    row = await fetch_value(
        db,
        "SELECT row(reason, octet_length(payload), payload_bytes, encode(payload_sha256, 'hex'))::text"
        " FROM dead_letters",
    )
    assert row == f"(oversized_payload,{KEEP_BYTES},{len(payload)},{hashlib.sha256(payload).hexdigest()})"


async def test_retention_prunes_dead_letters_past_it_in_batches_and_counts_them(pool: asyncpg.Pool) -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    insert = (
        "INSERT INTO dead_letters (received_at, source, topic, payload, payload_bytes, payload_sha256, reason)"
        " SELECT $1, 'mqtt', 't', 'x', 1, sha256('x'), 'bad_json' FROM generate_series(1, $2)"
    )
    await pool.execute(insert, now - timedelta(days=31), 12_000)  # past retention: more than one batch
    await pool.execute(insert, now - timedelta(days=29), 3)
    metrics = HubMetrics()
    retention = PostgresDeadLetterRetention(pool, timedelta(days=30), metrics, clock=lambda: now)
    assert await retention.prune() == 12_000
    assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 3
    assert metrics.registry.get_sample_value("sentinel_dead_letters_pruned_total") == 12_000
    assert metrics.registry.get_sample_value("sentinel_dead_letters_kept") == 3
    assert metrics.registry.get_sample_value("sentinel_dead_letters_payload_bytes") == 3
    assert await retention.prune() == 0
