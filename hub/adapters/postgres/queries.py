"""Read side for the console and REST API: incidents as JSON objects (see IncidentQueries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hub.domain.district import District
from hub.domain.incidents import FINAL_STATES, IncidentState
from hub.services.ports import JsonObject

_COLUMNS = (
    "id, site_id, kind, priority, state, test, created_at, last_event_at, event_count, acknowledged_at,"
    " dispatched_at, accepted_at, en_route_at, on_scene_at, resolved_at, cancelled_at"
)
_FINAL = sorted(s.value for s in FINAL_STATES)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class PostgresIncidentQueries:
    def __init__(self, pool: asyncpg.Pool, district: District) -> None:
        self._pool = pool
        self._district = district

    def _incident(self, row: asyncpg.Record) -> JsonObject:
        incident = {key: _json_value(value) for key, value in row.items()}
        site = self._district.sites.get(row["site_id"])
        incident["site_name"] = site.name if site else row["site_id"]
        incident["site_name_en"] = site.name_en if site else row["site_id"]
        return incident

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[JsonObject]:
        """`state`: "open" (every non-final state), "all"/None, or one state. Highest priority
        first, then newest."""
        order = " ORDER BY priority, created_at DESC, id DESC LIMIT $1"
        if state == "open":
            rows = await self._pool.fetch(
                f"SELECT {_COLUMNS} FROM incidents WHERE state <> ALL($2::text[]){order}", limit, _FINAL
            )
        elif state in (None, "all"):
            rows = await self._pool.fetch(f"SELECT {_COLUMNS} FROM incidents{order}", limit)
        else:
            IncidentState(state)  # ValueError for an unknown state
            rows = await self._pool.fetch(f"SELECT {_COLUMNS} FROM incidents WHERE state = $2{order}", limit, state)
        return [self._incident(r) for r in rows]

    async def incidents_by_id(self, incident_ids: Sequence[int]) -> list[JsonObject]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id", list(incident_ids)
        )
        return [self._incident(r) for r in rows]

    async def get_incident(self, incident_id: int) -> JsonObject | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM incidents WHERE id = $1", incident_id)
            if row is None:
                return None
            timeline = await conn.fetch(
                "SELECT at, actor, action, from_state, to_state, reason FROM incident_timeline"
                " WHERE incident_id = $1 ORDER BY at, id",
                incident_id,
            )
            events = await conn.fetch(
                "SELECT e.device_id, e.event_id, e.type, e.occurred_at, e.received_at"
                " FROM incident_events ie JOIN events e ON e.id = ie.event_pk"
                " WHERE ie.incident_id = $1 ORDER BY e.received_at, e.id",
                incident_id,
            )
        detail = self._incident(row)
        detail["timeline"] = [{k: _json_value(v) for k, v in r.items()} for r in timeline]
        detail["events"] = [{k: _json_value(v) for k, v in r.items()} for r in events]
        # Filled by the lifecycle, warning and video features as they land.
        detail["dispatches"] = []
        detail["warnings"] = []
        detail["media"] = []
        return detail
