"""Writing to the transactional outbox, in the transaction whose effects the messages carry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from hub.adapters.postgres.rows import Rows
from hub.services.messages import OutboundMessage


class PostgresOutboxWrites(Rows):
    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None:
        await self._conn.execute(
            "INSERT INTO outbox (topic, payload) SELECT * FROM unnest($1::text[], $2::bytea[])",
            [m.topic for m in messages],
            [m.payload for m in messages],
        )

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float
    ) -> list[tuple[int, OutboundMessage]]:
        """Outbox rows written already claimed for `lease_s` (the relay leaves them alone until it
        lapses); each with its row id."""
        rows = await self._conn.fetch(
            "INSERT INTO outbox (topic, payload, claim_token, claimed_until, attempts)"
            " SELECT t, p, $3, now() + make_interval(secs => $4), 1 FROM unnest($1::text[], $2::bytea[]) AS m(t, p)"
            " RETURNING id, topic, payload",
            [m.topic for m in messages],
            [m.payload for m in messages],
            token,
            lease_s,
        )
        return [(r["id"], OutboundMessage(r["topic"], bytes(r["payload"]))) for r in rows]
