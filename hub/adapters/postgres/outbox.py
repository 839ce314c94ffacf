"""The transactional outbox table: claim unsent messages for a short lease, mark them sent once the
broker confirmed them, release what was not sent."""

from __future__ import annotations

import time
import uuid

import asyncpg

from hub.services.messages import OutboundMessage
from hub.services.outbox import OutboxLease


class OutboxClaim:
    def __init__(
        self, pool: asyncpg.Pool, token: uuid.UUID, messages: list[tuple[int, OutboundMessage]], send_until: float
    ) -> None:
        self._pool = pool
        self._token = token
        self.messages = sorted(messages, key=_id)
        self.send_until = send_until

    async def mark_sent(self, ids: list[int]) -> None:
        await self._pool.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", ids)

    async def release(self, ids: list[int]) -> None:
        """Give back what this claim did not send, so any relay may take it at once."""
        await self._pool.execute(
            "UPDATE outbox SET claim_token = NULL, claimed_until = NULL"
            " WHERE id = ANY($1::bigint[]) AND claim_token = $2 AND sent_at IS NULL",
            ids,
            self._token,
        )


def _id(message: tuple[int, OutboundMessage]) -> int:
    return message[0]


class PostgresOutbox:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, limit: int, lease_s: float) -> OutboxClaim:
        """Claim (and commit the claim of) up to `limit` unsent rows that nobody holds. The claim
        lapses after `lease_s` by the database's clock; the claimant stops sending a little
        earlier by its own monotonic clock (`send_until`), which also runs while it is stalled."""
        token = uuid.uuid4()
        started = time.monotonic()
        rows = await self._pool.fetch(
            """
            UPDATE outbox SET claim_token = $2, claimed_until = now() + make_interval(secs => $3),
                attempts = attempts + 1
            WHERE id IN (SELECT id FROM outbox
                         WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, topic, payload
            """,
            limit,
            token,
            lease_s,
        )
        messages = [(r["id"], OutboundMessage(r["topic"], bytes(r["payload"]))) for r in rows]
        return OutboxClaim(self._pool, token, messages, started + lease_s * 0.8)

    def held(self, lease: OutboxLease, messages: list[tuple[int, OutboundMessage]]) -> OutboxClaim:
        """Rows written already claimed (PostgresOutboxWrites.enqueue_claimed)."""
        return OutboxClaim(self._pool, lease.token, messages, lease.send_until)

    async def backlog(self) -> int:
        return await self._pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
