"""Writing to the transactional outbox, in the transaction whose effects the messages carry."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from hub.adapters.postgres.changes import CHANGES_CHANNEL, NOTIFY_CHUNK, PostgresChanges
from hub.adapters.postgres.rows import Rows
from hub.services.messages import OutboundMessage


class PostgresOutboxWrites(Rows):
    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None:
        await self._conn.hold(
            "outbox",
            "INSERT INTO outbox (topic, payload) SELECT * FROM unnest($1::text[], $2::bytea[])",
            [m.topic for m in messages],
            [m.payload for m in messages],
        )

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float, announce: Sequence[int] = ()
    ) -> list[tuple[int, OutboundMessage]]:
        """Outbox rows written already claimed for `lease_s` (the relay leaves them alone until it
        lapses); each with its row id. With `announce`, the incidents' NOTIFY goes in the same statement
        (the function in FROM runs once, and not at all without ids: the WHERE has no column)."""
        if len(announce) > NOTIFY_CHUNK:
            await PostgresChanges(self._conn).announce(announce)
            announce = ()
        rows = await self._conn.fetch_carrying(
            ("outbox",),
            "WITH m AS (INSERT INTO outbox (topic, payload, claim_token, claimed_until, attempts)"
            " SELECT t, p, $3, now() + make_interval(secs => $4), 1 FROM unnest($1::text[], $2::bytea[]) AS m(t, p)"
            " RETURNING id, topic, payload)"
            " SELECT id, topic, payload FROM m"
            " UNION ALL SELECT NULL, NULL, NULL FROM pg_notify($5, $6) WHERE $6::text IS NOT NULL",
            [m.topic for m in messages],
            [m.payload for m in messages],
            token,
            lease_s,
            CHANGES_CHANNEL,
            json.dumps({"type": "incidents", "ids": list(announce)}) if announce else None,
        )
        return [(r["id"], OutboundMessage(r["topic"], bytes(r["payload"]))) for r in rows if r["id"] is not None]
