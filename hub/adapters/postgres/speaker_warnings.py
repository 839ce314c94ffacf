"""Loudspeaker warnings in PostgreSQL: each command, the speaker's acknowledgements and resends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from hub.adapters.postgres.rows import Rows, insert_sql, record
from hub.domain.warnings import WarningState
from hub.services.ports.warnings import StoredWarning

_WARNING_COLUMNS = (
    "id, command_id, speaker_id, site_id, incident_id, state, attempts, expires_at, command, duration_s, repeat,"
    " playing_at, rule_id"
)


def _stored_warning(row: asyncpg.Record) -> StoredWarning:
    return record(
        StoredWarning,
        row,
        state=WarningState(row["state"]),
        command=bytes(row["command"]),
        playing_for_s=float(row["duration_s"]) * row["repeat"],
    )


class PostgresWarnings(Rows):
    async def add_warning(self, row: dict[str, Any]) -> int:
        return await self._conn.fetchval(insert_sql("warnings", list(row), "id"), *row.values())

    async def warning_by_command(self, command_id: str) -> StoredWarning | None:
        row = await self._conn.fetchrow(
            f"SELECT {_WARNING_COLUMNS} FROM warnings WHERE command_id = $1 FOR UPDATE", command_id
        )
        return _stored_warning(row) if row else None

    async def set_warning_state(
        self, warning_id: int, state: WarningState, at: datetime, error: str, next_resend_at: datetime | None
    ) -> None:
        stamp = {"received": "received_at", "playing": "playing_at"}.get(state.value, "finished_at")
        await self._conn.execute(
            f"UPDATE warnings SET state = $2, error = $3, next_resend_at = $4, {stamp} = COALESCE({stamp}, $5)"
            " WHERE id = $1",
            warning_id,
            state.value,
            error,
            next_resend_at,
            at,
        )

    async def add_warning_ack(
        self, warning_id: int, state: str, reported_at: datetime, received_at: datetime, error: str
    ) -> None:
        await self._conn.execute(
            "INSERT INTO warning_acks (warning_id, state, reported_at, received_at, error) VALUES ($1, $2, $3, $4, $5)",
            warning_id,
            state,
            reported_at,
            received_at,
            error,
        )

    async def due_warnings(self, now: datetime, limit: int) -> list[StoredWarning]:
        rows = await self._conn.fetch(
            f"SELECT {_WARNING_COLUMNS} FROM warnings WHERE state IN ('sent', 'received', 'playing')"
            " AND next_resend_at <= $1 ORDER BY next_resend_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            now,
            limit,
        )
        return [_stored_warning(r) for r in rows]

    async def resent(self, warning_id: int, attempts: int, next_resend_at: datetime) -> None:
        await self._conn.execute(
            "UPDATE warnings SET attempts = $2, next_resend_at = $3 WHERE id = $1", warning_id, attempts, next_resend_at
        )

    async def last_rule_warning(self, rule_id: str, speaker_id: str) -> datetime | None:
        return await self._conn.fetchval(
            "SELECT max(created_at) FROM warnings WHERE rule_id = $1 AND speaker_id = $2", rule_id, speaker_id
        )
