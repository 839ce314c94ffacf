"""The audit log's hash chain (issue 13, part 7): `sentinel audit verify` passes on an untouched log
and names the first broken link when one entry was edited or deleted; writers from two hub instances
at once keep one unbroken chain; entries from before the chain existed are chained by the migration."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable

import asyncpg
import pytest

from hub.adapters.postgres.audit_chain import verify_audit_chain
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.schema import migrate, migration_files
from tests.conftest import run_async
from tests.integration.test_auth_cli import sentinel


async def write_entries(dsn: str, count: int, actor: str = "user:duty") -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        ids = []
        for n in range(count):
            ids.append(
                await conn.fetchval(
                    "INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4::jsonb) RETURNING id",
                    actor,
                    "incident.acknowledge",
                    f"incident:{n}",
                    json.dumps({"note": "ack", "n": n}),
                )
            )
        return ids
    finally:
        await conn.close()


async def tamper(dsn: str, sql: str, *args: object) -> None:
    """What someone with the database's owner rights could do by hand."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


def tampered_log(dsn: str, sql: str, entry: int) -> list[int]:
    """Ten entries, then `sql` run on the id of the `entry`-th: the ten ids."""
    ids = run_async(write_entries(dsn, 10))
    run_async(tamper(dsn, sql, ids[entry]))
    return ids


Verify = Callable[[], tuple[int, str]]


@pytest.fixture
def audit_verify(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Verify:
    """`sentinel audit verify` on the test's database: its exit status and what it printed."""
    monkeypatch.setenv("SENTINEL_DATABASE_URL", database_url)

    def run() -> tuple[int, str]:
        status = sentinel(monkeypatch, "audit", "verify")
        captured = capsys.readouterr()
        return status, captured.out + captured.err

    return run


def test_an_untouched_audit_log_verifies_with_its_count(database_url: str, audit_verify: Verify) -> None:
    run_async(write_entries(database_url, 12))

    status, output = audit_verify()

    assert status == 0
    assert "audit log intact: 12 entries" in output


def test_an_edited_entry_is_named_as_the_first_broken_link(database_url: str, audit_verify: Verify) -> None:
    ids = tampered_log(database_url, "UPDATE audit_log SET actor = 'user:someone-else' WHERE id = $1", 4)

    status, output = audit_verify()

    assert status == 1
    assert f"BROKEN at entry id {ids[4]} (seq 5): its content was changed" in output
    assert "4 entries before it are intact" in output


def test_an_entry_edited_and_rehashed_breaks_the_link_to_the_next(database_url: str) -> None:
    ids = tampered_log(
        database_url,
        'UPDATE audit_log SET detail = \'{"note": "rewritten"}\','
        ' hash = audit_row_hash(prev_hash, seq, id, at, actor, action, target, \'{"note": "rewritten"}\')'
        " WHERE id = $1",
        2,
    )

    verdict = run_async(verify_audit_chain(database_url))

    assert verdict.broken is not None
    assert (verdict.broken.id, verdict.broken.seq) == (ids[3], 4)
    assert "does not follow the entry before it" in verdict.broken.reason


def test_a_deleted_entry_is_named_by_the_entry_after_it(database_url: str, audit_verify: Verify) -> None:
    ids = tampered_log(database_url, "DELETE FROM audit_log WHERE id = $1", 6)

    status, output = audit_verify()

    assert status == 1
    assert f"BROKEN at entry id {ids[7]} (seq 8): 1 entry before it (seq 7) deleted" in output


def test_deleting_the_last_entries_is_seen_against_the_chain_head(database_url: str) -> None:
    tampered_log(database_url, "DELETE FROM audit_log WHERE id >= $1", 8)

    verdict = run_async(verify_audit_chain(database_url))

    assert verdict.broken is not None and verdict.broken.id is None
    assert "entries at the end were deleted" in verdict.broken.reason


def test_entries_added_around_the_chain_trigger_are_not_taken_as_linked(database_url: str) -> None:
    run_async(write_entries(database_url, 3))
    run_async(
        tamper(
            database_url,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain;"
            " INSERT INTO audit_log (actor, action) VALUES ('user:mallory', 'incident.acknowledge');"
            " ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain;",
        )
    )

    verdict = run_async(verify_audit_chain(database_url))

    assert verdict.broken is not None and "not linked" in verdict.broken.reason


async def test_two_hub_instances_writing_at_once_keep_one_unbroken_chain(database_url: str) -> None:
    pools = [await create_pool(database_url, min_size=4, max_size=4) for _ in range(2)]

    async def instance_writes(pool: asyncpg.Pool, name: str) -> None:
        async def one(n: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                # Audit rows written mid-transaction, as the services do, two to a transaction.
                await conn.execute("INSERT INTO audit_log (actor, action) VALUES ($1, 'a')", f"{name}-{n}")
                await asyncio.sleep(0.001)
                await conn.execute("INSERT INTO audit_log (actor, action) VALUES ($1, 'b')", f"{name}-{n}")

        await asyncio.gather(*(one(n) for n in range(100)))

    try:
        await asyncio.gather(*(instance_writes(pool, f"hub{i}") for i, pool in enumerate(pools)))
    finally:
        for pool in pools:
            await pool.close()

    verdict = await verify_audit_chain(database_url)
    assert verdict.intact and verdict.entries == 400
    assert verdict.head is not None and verdict.head.seq == 400


async def test_entries_from_before_the_chain_are_chained_by_its_migration(pg_server) -> None:  # type: ignore[no-untyped-def]
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.create_database(name)
    dsn = pg_server.admin_url(name)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz DEFAULT now())"
        )
        for file_name, sql in migration_files():
            if file_name >= "013":
                break
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", file_name)
        for n in range(25):
            await conn.execute("INSERT INTO audit_log (actor, action, target) VALUES ('user:duty', 'old', $1)", str(n))
    finally:
        await conn.close()

    await migrate(dsn)
    await write_entries(dsn, 5)

    verdict = await verify_audit_chain(dsn)
    assert verdict.intact and verdict.entries == 30
