"""Writes held back by a transaction's connection ride inside a later statement (one round trip for several), and
are never seen out of order, lost at commit or kept after a failure (hub/adapters/postgres/held_writes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from hub.adapters.postgres.held_writes import HoldingConnection
from hub.adapters.postgres.store import PostgresStore


class _Statements:
    """Every statement the connection sends, as PostgreSQL receives it (one per round trip)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, record: asyncpg.connection.LoggedQuery) -> None:
        self.sent.append(record.query)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    await conn.execute("CREATE TABLE held_a (n int PRIMARY KEY, v text); CREATE TABLE held_b (n int PRIMARY KEY)")
    try:
        yield conn
    finally:
        await conn.close()


async def test_held_writes_ride_in_one_round_trip_with_the_statement_that_carries_them(
    conn: asyncpg.Connection,
) -> None:
    statements = _Statements()
    conn.add_query_logger(statements)
    async with conn.transaction():
        holding = HoldingConnection(conn)
        await holding.hold(
            "held_a", "INSERT INTO held_a (n, v) SELECT * FROM unnest($1::int[], $2::text[])", [1], ["x"]
        )
        await holding.hold("held_b", "INSERT INTO held_b (n) VALUES ($1)", 7)
        rows = await holding.fetch_carrying(("other",), "WITH s AS (SELECT $1::int AS n) SELECT n FROM s", 42)
        assert [r["n"] for r in rows] == [42]
        assert await holding.fetchval("SELECT v FROM held_a WHERE n = 1") == "x"
        assert await holding.fetchval("SELECT n FROM held_b") == 7
    writing = [s for s in statements.sent if "INSERT" in s]
    assert len(writing) == 1, statements.sent
    assert writing[0].startswith("WITH held_0 AS (INSERT INTO held_a"), writing
    assert "held_1 AS (INSERT INTO held_b (n) VALUES ($3)), s AS (SELECT $4::int" in writing[0], writing


async def test_a_plain_statement_sees_every_write_held_before_it(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        holding = HoldingConnection(conn)
        await holding.hold("held_a", "INSERT INTO held_a (n, v) VALUES ($1, $2)", 1, "held")
        assert await holding.fetchval("SELECT count(*) FROM held_a") == 1


async def test_a_carrying_statement_on_a_held_table_sends_the_writes_before_it(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        holding = HoldingConnection(conn)
        await holding.hold("held_a", "INSERT INTO held_a (n, v) VALUES ($1, $2)", 1, "held")
        rows = await holding.fetch_carrying(("held_a",), "SELECT count(*) AS c FROM held_a")
        assert rows[0]["c"] == 1  # in one statement it would have read the snapshot before the insert: 0


async def test_a_second_write_to_a_table_applies_after_the_first(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO held_a (n, v) VALUES (1, 'first')")
    async with conn.transaction():
        holding = HoldingConnection(conn)
        await holding.hold("held_a", "UPDATE held_a SET v = $1 WHERE n = 1", "second")
        await holding.hold("held_a", "UPDATE held_a SET v = v || $1 WHERE n = 1", "+third")
        await holding.flush()
    # Two clauses of one statement updating one row: PostgreSQL would have kept only one of them.
    assert await conn.fetchval("SELECT v FROM held_a WHERE n = 1") == "second+third"


async def test_only_writes_can_be_held(conn: asyncpg.Connection) -> None:
    holding = HoldingConnection(conn)
    with pytest.raises(ValueError, match="only INSERT, UPDATE or DELETE"):
        await holding.hold("held_a", "SELECT pg_notify('x', 'y')")


async def test_a_recursive_statement_goes_alone_after_the_held_writes(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        holding = HoldingConnection(conn)
        await holding.hold("held_a", "INSERT INTO held_a (n, v) VALUES ($1, $2)", 1, "x")
        rows = await holding.fetch_carrying(
            ("held_b",), "WITH RECURSIVE r(n) AS (SELECT count(*) FROM held_a) SELECT n FROM r"
        )
        assert rows[0]["n"] == 1


async def test_a_store_transaction_commits_what_it_held_and_keeps_nothing_after_a_failure(
    conn: asyncpg.Connection, database_url: str
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    try:
        store = PostgresStore(pool)
        async with store.transaction() as tx:
            await tx.events._conn.hold("held_a", "INSERT INTO held_a (n, v) VALUES (1, 'kept')")
        with pytest.raises(RuntimeError):
            async with store.transaction() as tx:
                await tx.events._conn.hold("held_a", "INSERT INTO held_a (n, v) VALUES (2, 'rolled back')")
                raise RuntimeError("the batch failed")
    finally:
        await pool.close()
    assert [r["v"] for r in await conn.fetch("SELECT v FROM held_a ORDER BY n")] == ["kept"]


async def test_a_failing_held_write_fails_the_statement_that_carries_it(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO held_b (n) VALUES (1)")
    with pytest.raises(asyncpg.UniqueViolationError):
        async with conn.transaction():
            holding = HoldingConnection(conn)
            await holding.hold("held_b", "INSERT INTO held_b (n) VALUES ($1)", 1)
            await holding.fetch_carrying(("held_a",), "SELECT count(*) FROM held_a")
    assert await conn.fetchval("SELECT count(*) FROM held_b") == 1
