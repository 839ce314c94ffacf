"""Lifecycle timers in PostgreSQL: scheduled with their incident's change, fired once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.adapters.postgres.rows import Rows
from hub.domain.escalation import Timer, TimerKind


class PostgresTimers(Rows):
    async def schedule_timers(self, timers: Sequence[Timer]) -> None:
        await self._conn.hold(
            "timers",
            "INSERT INTO timers (incident_id, kind, dispatch_id, due_at)"
            " SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::timestamptz[])",
            [t.incident_id for t in timers],
            [t.kind.value for t in timers],
            [t.dispatch_id for t in timers],
            [t.due_at for t in timers],
        )

    async def cancel_timers(self, incident_id: int, kinds: Sequence[TimerKind]) -> None:
        await self._conn.execute(
            "UPDATE timers SET cancelled = true WHERE incident_id = $1 AND kind = ANY($2::text[])"
            " AND fired_at IS NULL AND NOT cancelled",
            incident_id,
            [k.value for k in kinds],
        )

    async def pending_timer(self, incident_id: int, kind: TimerKind) -> datetime | None:
        due: datetime | None = await self._conn.fetchval(
            "SELECT min(due_at) FROM timers"
            " WHERE incident_id = $1 AND kind = $2 AND fired_at IS NULL AND NOT cancelled",
            incident_id,
            kind.value,
        )
        return due

    async def next_due_timer(self, now: datetime) -> tuple[int, str] | None:
        row = await self._conn.fetchrow(
            "SELECT t.id, i.site_id FROM timers t JOIN incidents i ON i.id = t.incident_id"
            " WHERE t.fired_at IS NULL AND NOT t.cancelled AND t.due_at <= $1 ORDER BY t.due_at, t.id LIMIT 1",
            now,
        )
        return (row["id"], row["site_id"]) if row else None

    async def claim_timer(self, timer_id: int, now: datetime, fired_by: str) -> Timer | None:
        # fired_at is set in the same transaction as the timer's effects: a timer fires once even if
        # two instances ever looked at the same moment.
        row = await self._conn.fetchrow(
            "UPDATE timers SET fired_at = $2, fired_by = $3 WHERE id = $1 AND fired_at IS NULL AND NOT cancelled"
            " RETURNING id, incident_id, kind, dispatch_id, due_at",
            timer_id,
            now,
            fired_by,
        )
        if row is None:
            return None
        return Timer(TimerKind(row["kind"]), row["incident_id"], row["due_at"], row["dispatch_id"], row["id"])
