"""Patrol runs and the append-only patrol log in PostgreSQL (migration 009), inside a transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hub.adapters.postgres.rows import Rows, insert_sql, record
from hub.domain.patrol import Outcome, PatrolRun, PatrolView

RUN_COLUMNS = "id, tour_id, tour_name, cameras, dwell_s, started_by, started_at, shift, finished_at, finished_by"
# What a new run and a new view are written with (the rest is the database's: ids, a run's finish).
_RUN_INSERT = ("tour_id", "tour_name", "cameras", "dwell_s", "started_by", "started_at", "shift")
_VIEW_INSERT = (
    "run_id", "camera_id", "site_id", "viewed_at", "outcome", "note", "incident_id", "warning_ids", "logged_by"
)  # fmt: skip
VIEW_COLUMNS = ", ".join(("id", *_VIEW_INSERT))


def run_from_row(row: asyncpg.Record | Mapping[str, Any]) -> PatrolRun:
    return record(PatrolRun, row, cameras=tuple(row["cameras"]))


def view_from_row(row: asyncpg.Record) -> PatrolView:
    return record(PatrolView, row, outcome=Outcome(row["outcome"]), warning_ids=tuple(row["warning_ids"]))


class PostgresPatrolRuns(Rows):
    async def add_run(self, run: dict[str, Any]) -> PatrolRun:
        row = await self._conn.fetchrow(
            insert_sql("patrol_runs", _RUN_INSERT, RUN_COLUMNS), *(run[column] for column in _RUN_INSERT)
        )
        assert row is not None
        return run_from_row(row)

    async def run(self, run_id: int, lock: bool = True) -> PatrolRun | None:
        row = await self._conn.fetchrow(
            f"SELECT {RUN_COLUMNS} FROM patrol_runs WHERE id = $1{' FOR UPDATE' if lock else ''}", run_id
        )
        return run_from_row(row) if row else None

    async def finish_run(self, run_id: int, at: datetime, actor: str) -> PatrolRun:
        row = await self._conn.fetchrow(
            f"UPDATE patrol_runs SET finished_at = $2, finished_by = $3 WHERE id = $1 AND finished_at IS NULL"
            f" RETURNING {RUN_COLUMNS}",
            run_id,
            at,
            actor,
        )
        assert row is not None, f"patrol run {run_id} vanished or was finished meanwhile"
        return run_from_row(row)

    async def add_view(self, view: dict[str, Any]) -> PatrolView:
        row = await self._conn.fetchrow(
            insert_sql("patrol_views", _VIEW_INSERT, VIEW_COLUMNS), *(view[column] for column in _VIEW_INSERT)
        )
        assert row is not None
        return view_from_row(row)

    async def views_of(self, run_id: int) -> list[PatrolView]:
        rows = await self._conn.fetch(f"SELECT {VIEW_COLUMNS} FROM patrol_views WHERE run_id = $1 ORDER BY id", run_id)
        return [view_from_row(r) for r in rows]

    async def warning_sites(self, warning_ids: Sequence[int]) -> dict[int, str]:
        rows = await self._conn.fetch(
            "SELECT id, site_id FROM warnings WHERE id = ANY($1::bigint[])", list(warning_ids)
        )
        return {r["id"]: r["site_id"] for r in rows}
