"""The transactional outbox table: claim unsent messages (skipping ones another instance holds),
mark them sent once the broker confirmed them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from hub.services.messages import OutboundMessage


class OutboxClaim:
    def __init__(self, conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> None:
        self._conn = conn
        self.messages = [(r["id"], OutboundMessage(r["topic"], bytes(r["payload"]))) for r in rows]

    async def mark_sent(self, ids: list[int]) -> None:
        await self._conn.execute(
            "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])", ids
        )


class PostgresOutbox:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[OutboxClaim]:
        """Rows stay locked until the block ends, so two instances never send the same row at once;
        if the block fails, the rows stay unsent and are sent again (at least once)."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, topic, payload FROM outbox WHERE sent_at IS NULL ORDER BY id"
                " LIMIT $1 FOR UPDATE SKIP LOCKED",
                limit,
            )
            yield OutboxClaim(conn, rows)

    async def backlog(self) -> int:
        return await self._pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
