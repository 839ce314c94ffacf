"""Dispatches in PostgreSQL: the officers sent to an incident."""

from __future__ import annotations

import asyncpg

from hub.adapters.postgres.rows import Rows, record
from hub.domain.dispatch import Dispatch, DispatchState, RouteRule

_DISPATCH_COLUMNS = "id, incident_id, officer_id, state, rule, offered_at, accept_by, answered_at, note"


def dispatch_from_row(row: asyncpg.Record) -> Dispatch:
    return record(Dispatch, row, state=DispatchState(row["state"]), rule=RouteRule(row["rule"]))


class PostgresDispatches(Rows):
    async def dispatch(self, dispatch_id: int) -> Dispatch | None:
        row = await self._conn.fetchrow(f"SELECT {_DISPATCH_COLUMNS} FROM dispatches WHERE id = $1", dispatch_id)
        return dispatch_from_row(row) if row else None

    async def dispatches_of(self, incident_id: int) -> list[Dispatch]:
        rows = await self._conn.fetch(
            f"SELECT {_DISPATCH_COLUMNS} FROM dispatches WHERE incident_id = $1 ORDER BY id", incident_id
        )
        return [dispatch_from_row(r) for r in rows]

    async def save_dispatch(self, dispatch: Dispatch) -> Dispatch:
        values = (
            dispatch.incident_id,
            dispatch.officer_id,
            dispatch.state.value,
            dispatch.rule.value,
            dispatch.offered_at,
            dispatch.accept_by,
            dispatch.answered_at,
            dispatch.note,
        )
        if dispatch.id is None:
            row = await self._conn.fetchrow(
                "INSERT INTO dispatches"
                " (incident_id, officer_id, state, rule, offered_at, accept_by, answered_at, note)"
                f" VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_DISPATCH_COLUMNS}",
                *values,
            )
        else:
            row = await self._conn.fetchrow(
                "UPDATE dispatches SET incident_id = $1, officer_id = $2, state = $3, rule = $4, offered_at = $5,"
                " accept_by = $6, answered_at = $7, note = $8, updated_at = now()"
                f" WHERE id = $9 RETURNING {_DISPATCH_COLUMNS}",
                *values,
                dispatch.id,
            )
        assert row is not None
        return dispatch_from_row(row)
