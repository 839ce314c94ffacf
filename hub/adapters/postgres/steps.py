"""Guided-response steps marked done, in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.adapters.postgres.rows import Rows
from hub.services.ports import JsonObject


class PostgresSteps(Rows):
    async def steps_done(self, incident_id: int) -> dict[str, JsonObject]:
        rows = await self._conn.fetch(
            # actor_name: a console user's display name, as the timeline gives it.
            "SELECT s.step_id, s.done_at, s.actor, s.note, s.automatic, nullif(u.display_name, '') AS actor_name"
            " FROM incident_steps s LEFT JOIN users u ON s.actor = 'user:' || u.username WHERE s.incident_id = $1",
            incident_id,
        )
        return {r["step_id"]: dict(r) for r in rows}

    async def mark_steps(
        self, incident_id: int, step_ids: Sequence[str], at: datetime, actor: str, note: str, automatic: bool
    ) -> list[str]:
        rows = await self._conn.fetch(
            "INSERT INTO incident_steps (incident_id, step_id, done_at, actor, note, automatic)"
            " SELECT $1, unnest($2::text[]), $3, $4, $5, $6 ON CONFLICT DO NOTHING RETURNING step_id",
            incident_id,
            list(step_ids),
            at,
            actor,
            note,
            automatic,
        )
        return [r["step_id"] for r in rows]
