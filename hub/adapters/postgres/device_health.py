"""Device supervision in PostgreSQL: when each device was last heard, its deadline, battery and fault."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.adapters.postgres.rows import Rows
from hub.domain.supervision import Heard
from hub.services.lifecycle import SELF_CLEARING_KINDS


class PostgresDeviceHealth(Rows):
    async def record_heard(self, rows: Sequence[tuple[Heard, datetime, bool]]) -> list[tuple[str, str]]:
        # Rows locked in device order: the two lanes (and redundant instances) record the same devices
        # at once, and two transactions taking the same rows in different orders can deadlock.
        rows = sorted(rows, key=lambda row: row[0].device_id)
        ids = [h.device_id for h, _, _ in rows]
        was_offline = {
            r["device_id"]
            for r in await self._conn.fetch_carrying(
                ("device_health",),
                "SELECT device_id FROM device_health WHERE device_id = ANY($1::text[]) AND NOT online"
                " ORDER BY device_id FOR UPDATE",
                ids,
            )
        }
        # A device that says it goes offline keeps its state until its (short) deadline passes:
        # a clean restart inside the grace raises nothing.
        await self._conn.hold(
            "device_health",
            """
            INSERT INTO device_health AS h
                (device_id, site_id, kind, online, last_seen_at, deadline_at, battery, low_battery, fault)
            SELECT t.device_id, t.site_id, t.kind, NOT t.gone, t.at, t.deadline, t.battery, t.low, t.fault
            FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[],
                        $7::bool[], $8::bool[], $9::text[], $10::text[])
                 AS t(device_id, site_id, kind, at, deadline, battery, low, gone, fault, cleared)
            ON CONFLICT (device_id) DO UPDATE SET
                last_seen_at = GREATEST(h.last_seen_at, EXCLUDED.last_seen_at),
                deadline_at = EXCLUDED.deadline_at,
                online = h.online OR EXCLUDED.online,
                offline_since = CASE WHEN h.online OR EXCLUDED.online THEN NULL ELSE h.offline_since END,
                battery = COALESCE(EXCLUDED.battery, h.battery),
                low_battery = CASE WHEN EXCLUDED.battery IS NULL THEN h.low_battery ELSE EXCLUDED.low_battery END,
                fault = CASE
                    WHEN EXCLUDED.fault IS NOT NULL THEN EXCLUDED.fault
                    WHEN h.fault = ANY($10::text[]) THEN NULL
                    ELSE h.fault
                END
            """,
            ids,
            [h.site_id for h, _, _ in rows],
            [h.kind for h, _, _ in rows],
            [h.at for h, _, _ in rows],
            [d for _, d, _ in rows],
            [h.battery for h, _, _ in rows],
            [low for _, _, low in rows],
            [h.reported_offline for h, _, _ in rows],
            [h.fault for h, _, _ in rows],
            [h.fault_cleared for h, _, _ in rows],
        )
        return [(h.site_id, h.device_id) for h, _, _ in rows if h.device_id in was_offline and not h.reported_offline]

    async def overdue_devices(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        rows = await self._conn.fetch(
            "SELECT device_id, site_id FROM device_health WHERE online AND deadline_at <= $1"
            " ORDER BY deadline_at LIMIT $2",
            now,
            limit,
        )
        return [(r["device_id"], r["site_id"]) for r in rows]

    async def mark_overdue(
        self, device_ids: Sequence[str], now: datetime
    ) -> list[tuple[str, str, str, datetime, datetime]]:
        # SKIP LOCKED: a row another transaction holds is a device being heard right now.
        rows = await self._conn.fetch(
            """
            UPDATE device_health SET online = false, offline_since = deadline_at
            WHERE device_id IN (SELECT device_id FROM device_health
                                WHERE device_id = ANY($1::text[]) AND online AND deadline_at <= $2
                                FOR UPDATE SKIP LOCKED)
            RETURNING device_id, site_id, kind, deadline_at, last_seen_at
            """,
            list(device_ids),
            now,
        )
        return [(r["device_id"], r["site_id"], r["kind"], r["deadline_at"], r["last_seen_at"]) for r in rows]

    async def seed_health(self, rows: Sequence[tuple[Heard, datetime]]) -> None:
        await self._conn.execute(
            """
            INSERT INTO device_health (device_id, site_id, kind, online, last_seen_at, deadline_at)
            SELECT t.device_id, t.site_id, t.kind, true, t.at, t.deadline
            FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                 AS t(device_id, site_id, kind, at, deadline)
            ON CONFLICT (device_id) DO NOTHING
            """,
            [h.device_id for h, _ in rows],
            [h.site_id for h, _ in rows],
            [h.kind for h, _ in rows],
            [h.at for h, _ in rows],
            [d for _, d in rows],
        )

    async def restorable_sites(self, site_ids: Sequence[str] | None) -> list[str]:
        rows = await self._conn.fetch(
            """
            SELECT DISTINCT i.site_id FROM incidents i
            WHERE i.state NOT IN ('resolved', 'cancelled') AND i.kind = ANY($1::text[])
              AND ($2::text[] IS NULL OR i.site_id = ANY($2::text[]))
              AND NOT EXISTS (SELECT 1 FROM device_health h
                              WHERE h.site_id = i.site_id AND (NOT h.online OR h.fault IS NOT NULL))
            ORDER BY i.site_id
            """,
            sorted(SELF_CLEARING_KINDS),
            None if site_ids is None else list(site_ids),
        )
        return [r["site_id"] for r in rows]

    async def faulty_devices(self, site_id: str) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT device_id FROM device_health WHERE site_id = $1 AND (NOT online OR fault IS NOT NULL)"
            " ORDER BY device_id",
            site_id,
        )
        return [r["device_id"] for r in rows]
