"""PostgreSQL side of the ingest pipeline: one transaction per batch."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident, IncidentState, Priority, TimelineEntry
from hub.services.messages import OutboundMessage, Rejection
from hub.services.ports import JsonObject

CHANGES_CHANNEL = "sentinel_changes"
_OPEN = ("resolved", "cancelled")  # states that are NOT open
_NOTIFY_CHUNK = 400  # ids per NOTIFY, keeping each payload far below PostgreSQL's 8000-byte limit

_INCIDENT_COLUMNS = (
    "id, site_id, kind, priority, state, test, created_at, last_event_at, event_count, acknowledged_at,"
    " dispatched_at, accepted_at, en_route_at, on_scene_at, resolved_at, cancelled_at"
)


def incident_from_row(row: asyncpg.Record) -> Incident:
    return Incident(
        id=row["id"],
        site_id=row["site_id"],
        kind=row["kind"],
        priority=Priority(row["priority"]),
        state=IncidentState(row["state"]),
        created_at=row["created_at"],
        last_event_at=row["last_event_at"],
        event_count=row["event_count"],
        test=row["test"],
        acknowledged_at=row["acknowledged_at"],
        dispatched_at=row["dispatched_at"],
        accepted_at=row["accepted_at"],
        en_route_at=row["en_route_at"],
        on_scene_at=row["on_scene_at"],
        resolved_at=row["resolved_at"],
        cancelled_at=row["cancelled_at"],
    )


class PostgresIngestTransaction:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add_events(self, events: Sequence[tuple[DeviceEvent, JsonObject]]) -> dict[tuple[str, str], int]:
        rows = await self._conn.fetch(
            """
            INSERT INTO events (device_id, event_id, site_id, device_kind, type, occurred_at, received_at, payload)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                 $6::timestamptz[], $7::timestamptz[], $8::jsonb[])
            ON CONFLICT ON CONSTRAINT events_device_event_unique DO NOTHING
            RETURNING id, device_id, event_id
            """,
            [e.device_id for e, _ in events],
            [e.event_id for e, _ in events],
            [e.site_id for e, _ in events],
            [e.device_kind for e, _ in events],
            [e.type for e, _ in events],
            [e.occurred_at for e, _ in events],
            [e.received_at for e, _ in events],
            [p for _, p in events],
        )
        return {(r["device_id"], r["event_id"]): r["id"] for r in rows}

    async def lock_open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        # Sorted advisory locks serialise correlation per site across hub instances without
        # deadlocks; they are released at commit.
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('site:' || s, 0)) FROM unnest($1::text[]) AS s ORDER BY s",
            sorted(site_ids),
        )
        rows = await self._conn.fetch(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE site_id = ANY($1::text[]) AND state NOT IN ($2, $3)",
            list(site_ids),
            *_OPEN,
        )
        return {r["site_id"]: incident_from_row(r) for r in rows}

    async def save_incident(self, incident: Incident) -> Incident:
        values = (
            incident.site_id,
            incident.kind,
            int(incident.priority),
            incident.state.value,
            incident.test,
            incident.created_at,
            incident.last_event_at,
            incident.event_count,
            incident.acknowledged_at,
            incident.dispatched_at,
            incident.accepted_at,
            incident.en_route_at,
            incident.on_scene_at,
            incident.resolved_at,
            incident.cancelled_at,
        )
        if incident.id is None:
            row = await self._conn.fetchrow(
                f"INSERT INTO incidents ({_INCIDENT_COLUMNS.removeprefix('id, ')})"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                f" RETURNING {_INCIDENT_COLUMNS}",
                *values,
            )
        else:
            row = await self._conn.fetchrow(
                """
                UPDATE incidents SET site_id = $1, kind = $2, priority = $3, state = $4, test = $5,
                    created_at = $6, last_event_at = $7, event_count = $8, acknowledged_at = $9,
                    dispatched_at = $10, accepted_at = $11, en_route_at = $12, on_scene_at = $13,
                    resolved_at = $14, cancelled_at = $15, updated_at = now()
                WHERE id = $16
                RETURNING """
                + _INCIDENT_COLUMNS,
                *values,
                incident.id,
            )
        assert row is not None, f"incident {incident.id} vanished"
        return incident_from_row(row)

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None:
        await self._conn.execute(
            "INSERT INTO incident_events (incident_id, event_pk) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
            [i for i, _ in links],
            [e for _, e in links],
        )

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self._conn.executemany(
            "INSERT INTO incident_timeline (incident_id, at, actor, action, from_state, to_state, reason)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                (
                    incident_id,
                    e.at,
                    e.actor,
                    e.action,
                    e.from_state.value if e.from_state else None,
                    e.to_state.value,
                    e.reason,
                )
                for e in entries
            ],
        )

    async def add_dead_letters(self, rejections: Sequence[Rejection]) -> None:
        await self._conn.executemany(
            "INSERT INTO dead_letters (received_at, source, topic, payload, reason, detail)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(r.received_at, r.source, r.topic, r.payload, r.reason, r.detail) for r in rejections],
        )

    async def record_device_status(self, reports: Sequence[JsonObject]) -> None:
        # Keep the newest report per device; a retained status replayed on reconnect is older.
        await self._conn.executemany(
            """
            INSERT INTO device_status (device_id, site_id, state, reported_at, received_at, battery, rssi, firmware)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (device_id) DO UPDATE SET
                site_id = EXCLUDED.site_id, state = EXCLUDED.state, reported_at = EXCLUDED.reported_at,
                received_at = EXCLUDED.received_at, battery = EXCLUDED.battery, rssi = EXCLUDED.rssi,
                firmware = EXCLUDED.firmware
            WHERE device_status.reported_at <= EXCLUDED.reported_at
            """,
            [
                (
                    r["device_id"],
                    r["site_id"],
                    r["state"],
                    r["reported_at"],
                    r["received_at"],
                    r["battery"],
                    r["rssi"],
                    r["firmware"],
                )
                for r in reports
            ],
        )

    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None:
        await self._conn.execute(
            "INSERT INTO outbox (topic, payload) SELECT * FROM unnest($1::text[], $2::bytea[])",
            [m.topic for m in messages],
            [m.payload for m in messages],
        )

    async def announce_incidents(self, incident_ids: Sequence[int]) -> None:
        # NOTIFY is delivered only on commit, to every hub instance: live views never show what
        # was rolled back.
        for start in range(0, len(incident_ids), _NOTIFY_CHUNK):
            chunk = list(incident_ids[start : start + _NOTIFY_CHUNK])
            await self._conn.execute(
                "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps({"type": "incidents", "ids": chunk})
            )


class PostgresIngestStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresIngestTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresIngestTransaction(conn)
