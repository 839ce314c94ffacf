"""The alarm lane's store keeps its connection between transactions (no hand-back to the pool after each commit),
yet never shares it, never keeps one a failure broke, and gives it back so the pool can close
(hub/adapters/postgres/store.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from hub.adapters.postgres.store import PostgresStore
from tests.integration.conftest import eventually


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        yield pool
    finally:
        async with asyncio.timeout(5):  # a connection still out would hold the close for ever
            await pool.close()


async def _backend(store: PostgresStore) -> int:
    async with store.transaction() as tx:
        pid: int = await tx.events._conn.fetchval("SELECT pg_backend_pid()")
        return pid


async def test_transactions_one_after_another_run_on_the_one_kept_connection(pool: asyncpg.Pool) -> None:
    store = PostgresStore(pool, keep_connection=True)
    backends = {await _backend(store) for _ in range(5)}
    assert len(backends) == 1
    assert pool.get_idle_size() == 0  # kept, not handed back
    await store.close()
    assert pool.get_idle_size() == 1


async def test_a_transaction_while_the_kept_connection_is_busy_takes_another_from_the_pool(
    pool: asyncpg.Pool,
) -> None:
    store = PostgresStore(pool, keep_connection=True)
    kept = await _backend(store)
    async with store.transaction() as tx:
        assert await tx.events._conn.fetchval("SELECT pg_backend_pid()") == kept
        assert await _backend(store) != kept
    assert await _backend(store) == kept
    await store.close()


async def _terminate(database_url: str, backend: int) -> None:
    admin = await asyncpg.connect(database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", backend)
    finally:
        await admin.close()


async def test_a_kept_connection_the_database_ended_while_idle_is_replaced_before_the_next_transaction(
    pool: asyncpg.Pool, database_url: str
) -> None:
    store = PostgresStore(pool, keep_connection=True)
    dropped = await _backend(store)
    await _terminate(database_url, dropped)
    await eventually(lambda: _kept_closed(store), timeout=5)
    fresh = await _backend(store)  # no failure: the next alarm is not the one that finds it gone
    assert fresh != dropped
    assert await _backend(store) == fresh  # and it is kept in turn
    await store.close()


async def _kept_closed(store: PostgresStore) -> bool:
    kept = store._kept
    try:
        return kept is not None and kept.is_closed()
    except asyncpg.InterfaceError:  # asyncpg's pool took it back when the server ended it
        return True


async def test_after_the_database_drops_the_kept_connection_mid_transaction_the_next_one_takes_a_working_one(
    pool: asyncpg.Pool, database_url: str
) -> None:
    store = PostgresStore(pool, keep_connection=True)
    # The error a dropped connection raises depends on where asyncpg was when it learnt of it.
    with pytest.raises(
        (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.InternalClientError, ConnectionError)
    ):
        async with store.transaction() as tx:
            dropped = await tx.events._conn.fetchval("SELECT pg_backend_pid()")
            await _terminate(database_url, dropped)
            await tx.events._conn.fetchval("SELECT 1")
    fresh = await _backend(store)
    assert fresh != dropped
    assert await _backend(store) == fresh
    await store.close()


async def test_a_failed_transaction_rolls_back_and_the_next_one_commits(pool: asyncpg.Pool) -> None:
    store = PostgresStore(pool, keep_connection=True)
    async with store.transaction() as tx:
        await tx.events._conn.execute("CREATE TABLE kept_t (n int)")
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.events._conn.execute("INSERT INTO kept_t VALUES (1)")
            raise RuntimeError("the batch failed")
    async with store.transaction() as tx:
        await tx.events._conn.execute("INSERT INTO kept_t VALUES (2)")
        assert await tx.events._conn.fetchval("SELECT array_agg(n) FROM kept_t") == [2]
    await store.close()
