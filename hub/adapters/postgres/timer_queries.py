"""Questions about an incident's pending timers, asked inside a lifecycle transaction."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from hub.domain.escalation import TimerKind


class PendingTimerQueries:
    _conn: asyncpg.pool.PoolConnectionProxy

    async def pending_timer(self, incident_id: int, kind: TimerKind) -> datetime | None:
        """When the incident's earliest unfired, uncancelled timer of `kind` is due (None: none is)."""
        due: datetime | None = await self._conn.fetchval(
            "SELECT min(due_at) FROM timers"
            " WHERE incident_id = $1 AND kind = $2 AND fired_at IS NULL AND NOT cancelled",
            incident_id,
            kind.value,
        )
        return due
