"""Event media in PostgreSQL: snapshots and clips to fetch, fetched or given up on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from hub.adapters.postgres.changes import PostgresChanges
from hub.adapters.postgres.held_writes import HoldingConnection
from hub.adapters.postgres.rows import Rows
from hub.services.ports.devices import MediaItem, PendingMedia


class PostgresMedia(Rows):
    def __init__(self, conn: HoldingConnection, changes: PostgresChanges) -> None:
        super().__init__(conn)
        self._changes = changes  # a stored file changes its incidents' views

    async def add_media(self, items: Sequence[tuple[int, MediaItem]]) -> None:
        await self._conn.executemany(
            "INSERT INTO media (event_pk, kind, state, source_url, path, content_type, bytes, error,"
            " stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $3 = 'stored' THEN now() END)",
            [(pk, m.kind, m.state, m.source_url, m.path, m.content_type, m.size, m.error) for pk, m in items],
        )

    async def claim_due_media(self, now: datetime, lease: timedelta, limit: int) -> list[PendingMedia]:
        rows = await self._conn.fetch(
            """
            UPDATE media m SET attempts = m.attempts + 1, next_attempt_at = $1 + $2::interval
            FROM events e
            WHERE e.id = m.event_pk AND m.id IN (
                SELECT id FROM media WHERE state = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING m.id, e.device_id, e.event_id, m.kind, m.source_url, m.attempts, e.occurred_at
            """,
            now,
            lease,
            limit,
        )
        return [
            PendingMedia(
                r["id"], r["device_id"], r["event_id"], r["kind"], r["source_url"], r["attempts"], r["occurred_at"]
            )
            for r in rows
        ]

    async def media_stored(self, media_id: int, path: str, content_type: str, size: int) -> None:
        incident_ids = await self._conn.fetch(
            """
            WITH stored AS (
                UPDATE media SET state = 'stored', path = $2, content_type = $3, bytes = $4, stored_at = now(),
                    error = '' WHERE id = $1 RETURNING event_pk)
            SELECT ie.incident_id FROM stored JOIN incident_events ie ON ie.event_pk = stored.event_pk
            """,
            media_id,
            path,
            content_type,
            size,
        )
        if incident_ids:
            await self._changes.announce([r["incident_id"] for r in incident_ids])

    async def media_retry(self, media_id: int, at: datetime, error: str) -> None:
        await self._conn.execute("UPDATE media SET next_attempt_at = $2, error = $3 WHERE id = $1", media_id, at, error)

    async def media_failed(self, media_id: int, error: str) -> None:
        await self._conn.execute("UPDATE media SET state = 'failed', error = $2 WHERE id = $1", media_id, error)

    async def latest_snapshot(self, incident_id: int) -> int | None:
        return await self._conn.fetchval(
            "SELECT m.id FROM media m JOIN incident_events ie ON ie.event_pk = m.event_pk"
            " WHERE ie.incident_id = $1 AND m.kind = 'snapshot' AND m.state = 'stored' ORDER BY m.id DESC LIMIT 1",
            incident_id,
        )
