"""Read side for the console and REST API: incidents as JSON objects (see IncidentQueries)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from hub.adapters.postgres.store import INCIDENT_COLUMNS
from hub.domain.district import District
from hub.domain.incidents import FINAL_STATES, IncidentState
from hub.services.ports import JsonObject

_COLUMNS = INCIDENT_COLUMNS
_DISPATCH_JSON_COLUMNS = (
    "d.id, d.incident_id, d.officer_id, d.state, d.rule, d.offered_at, d.accept_by, d.answered_at, d.note,"
    " i.site_id, i.kind, i.priority, i.state AS incident_state, i.event_count, i.created_at AS incident_created_at"
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
            dispatches = await conn.fetch(
                f"SELECT {_DISPATCH_JSON_COLUMNS} FROM dispatches d JOIN incidents i ON i.id = d.incident_id"
                " WHERE d.incident_id = $1 ORDER BY d.id",
                incident_id,
            )
        detail = self._incident(row)
        detail["timeline"] = [{k: _json_value(v) for k, v in r.items()} for r in timeline]
        detail["events"] = [{k: _json_value(v) for k, v in r.items()} for r in events]
        detail["dispatches"] = [self._dispatch(r) for r in dispatches]
        # Filled by the warning and video features as they land.
        detail["warnings"] = []
        detail["media"] = []
        return detail

    def _dispatch(self, row: asyncpg.Record) -> JsonObject:
        dispatch = {key: _json_value(value) for key, value in row.items()}
        site = self._district.sites.get(row["site_id"])
        officer = self._district.officers.get(row["officer_id"])
        dispatch["officer_name"] = officer.name if officer else row["officer_id"]
        if site is not None:
            dispatch["site"] = {
                "id": site.id,
                "name": site.name,
                "name_en": site.name_en,
                "address": site.address,
                "lat": site.lat,
                "lon": site.lon,
                "contact_name": site.contact_name,
                "contact_phone": site.contact_phone,
                "navigation": site.geo_uri,
            }
        return dispatch

    async def dispatches_by_id(self, dispatch_ids: Sequence[int]) -> list[JsonObject]:
        rows = await self._pool.fetch(
            f"SELECT {_DISPATCH_JSON_COLUMNS} FROM dispatches d JOIN incidents i ON i.id = d.incident_id"
            " WHERE d.id = ANY($1::bigint[]) ORDER BY d.id",
            list(dispatch_ids),
        )
        return [self._dispatch(r) for r in rows]

    async def dispatches_for_officer(self, officer_id: str, active_only: bool = True) -> list[JsonObject]:
        """An officer's own dispatches (the officer app): the active ones, or the last 50."""
        where = " AND d.state IN ('offered', 'accepted', 'en_route', 'on_scene')" if active_only else ""
        rows = await self._pool.fetch(
            f"SELECT {_DISPATCH_JSON_COLUMNS} FROM dispatches d JOIN incidents i ON i.id = d.incident_id"
            f" WHERE d.officer_id = $1{where} ORDER BY d.id DESC LIMIT 50",
            officer_id,
        )
        return [self._dispatch(r) for r in rows]

    async def officer_presence(self) -> list[JsonObject]:
        rows = await self._pool.fetch(
            "SELECT officer_id, signed_on, changed_at, lat, lon, located_at FROM officer_presence ORDER BY officer_id"
        )
        return [{k: _json_value(v) for k, v in r.items()} for r in rows]
