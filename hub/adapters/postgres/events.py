"""Device events in PostgreSQL: stored once each, linked to incidents; dead letters and device status reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.adapters.postgres.dead_letters import kept_payload
from hub.adapters.postgres.rows import Rows
from hub.domain.events import DeviceEvent, EventIdentity
from hub.domain.talkdown import ZoneReport
from hub.services.messages import Rejection
from hub.services.ports import JsonObject

_EVENT_FIELDS = "device_id, event_id, site_id, device_kind, type, occurred_at, received_at, payload, fingerprint"
_EVENT_ROWS = (  # the rows of _event_columns' arrays
    "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::timestamptz[], $7::timestamptz[], $8::jsonb[], $9::text[])"
)


def _event_columns(events: Sequence[tuple[DeviceEvent, JsonObject]]) -> list[list[Any]]:
    """The events as one array per column of _EVENT_FIELDS."""
    return [
        [e.device_id for e, _ in events],
        [e.event_id for e, _ in events],
        [e.site_id for e, _ in events],
        [e.device_kind for e, _ in events],
        [e.type for e, _ in events],
        [e.occurred_at for e, _ in events],
        [e.received_at for e, _ in events],
        [p for _, p in events],
        [e.fingerprint for e, _ in events],
    ]


class PostgresEvents(Rows):
    async def add_events(self, events: Sequence[tuple[DeviceEvent, JsonObject]]) -> dict[tuple[str, str], int]:
        rows = await self._conn.fetch(
            f"INSERT INTO events ({_EVENT_FIELDS}) SELECT * FROM {_EVENT_ROWS}"
            " ON CONFLICT ON CONSTRAINT events_device_event_unique DO NOTHING RETURNING id, device_id, event_id",
            *_event_columns(events),
        )
        return {(r["device_id"], r["event_id"]): r["id"] for r in rows}

    async def add_events_of_free_sites(
        self, site_ids: Sequence[str], events: Sequence[tuple[DeviceEvent, JsonObject]]
    ) -> tuple[set[str], dict[tuple[str, str], int]]:
        # The sites' try-locks (the very locks PostgresIncidents.lock_sites takes) and add_events in one
        # statement: a data-modifying CTE always runs, and it reads the sites locked (a CTE referenced twice
        # is evaluated once), so no event of a busy site is stored.
        rows = await self._conn.fetch(
            "WITH locked AS MATERIALIZED (SELECT s FROM unnest($10::text[]) AS s"
            "  WHERE pg_try_advisory_xact_lock(hashtextextended('site:' || s, 0))),"
            f" stored AS (INSERT INTO events ({_EVENT_FIELDS}) SELECT * FROM {_EVENT_ROWS} AS e({_EVENT_FIELDS})"
            "  WHERE e.site_id IN (SELECT s FROM locked)"
            "  ON CONFLICT ON CONSTRAINT events_device_event_unique DO NOTHING RETURNING id, device_id, event_id)"
            " SELECT NULL::bigint AS id, NULL::text AS device_id, NULL::text AS event_id, s AS site_id FROM locked"
            " UNION ALL SELECT id, device_id, event_id, NULL FROM stored",
            *_event_columns(events),
            sorted(set(site_ids)),
        )
        locked = {r["site_id"] for r in rows if r["site_id"] is not None}
        self._conn.sites_locked |= bool(locked)
        return locked, {(r["device_id"], r["event_id"]): r["id"] for r in rows if r["id"] is not None}

    async def stored_events(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], EventIdentity]:
        rows = await self._conn.fetch(
            "SELECT e.device_id, e.event_id, e.type, e.occurred_at, e.fingerprint FROM events e"
            " JOIN unnest($1::text[], $2::text[]) AS k(device_id, event_id) USING (device_id, event_id)",
            [d for d, _ in keys],
            [e for _, e in keys],
        )
        return {
            (r["device_id"], r["event_id"]): EventIdentity(r["type"], r["occurred_at"], r["fingerprint"]) for r in rows
        }

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None:
        await self._conn.hold(
            "incident_events",
            "INSERT INTO incident_events (incident_id, event_pk) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
            [i for i, _ in links],
            [e for _, e in links],
        )

    async def button_events_of(self, incident_id: int) -> list[tuple[str, str, str]]:
        """The latest button event of each button that pressed for this incident: the guard's
        feedback answers it."""
        rows = await self._conn.fetch(
            """
            SELECT DISTINCT ON (e.device_id) e.site_id, e.device_id, e.event_id
            FROM incident_events ie JOIN events e ON e.id = ie.event_pk
            WHERE ie.incident_id = $1 AND e.device_kind = 'button' AND e.type IN ('panic', 'duress')
            ORDER BY e.device_id, e.received_at DESC, e.id DESC
            """,
            incident_id,
        )
        return [(r["site_id"], r["device_id"], r["event_id"]) for r in rows]

    async def zone_reports(self, site_id: str, since: datetime) -> list[ZoneReport]:
        """What the site's cameras said about their zones since `since` (hub.domain.talkdown): intrusions and
        presence changes, each with its snapshot's media row when it carried one."""
        rows = await self._conn.fetch(
            """
            SELECT e.received_at, coalesce(e.payload->>'zone', '') AS zone,
                   e.type <> 'presence' OR coalesce((e.payload->>'present')::boolean, false) AS present,
                   (SELECT m.id FROM media m WHERE m.event_pk = e.id AND m.kind = 'snapshot' ORDER BY m.id LIMIT 1)
                       AS snapshot_id
            FROM events e
            WHERE e.site_id = $1 AND e.device_kind = 'camera' AND e.received_at >= $2
              AND e.type IN ('intrusion', 'loitering', 'line_crossing', 'presence')
            ORDER BY e.received_at, e.id
            """,
            site_id,
            since,
        )
        return [ZoneReport(r["received_at"], r["zone"], r["present"], r["snapshot_id"]) for r in rows]

    async def add_dead_letters(self, rejections: Sequence[Rejection]) -> None:
        # A large payload is kept as a prefix with its length and hash (dead_letters.kept_payload).
        await self._conn.executemany(
            "INSERT INTO dead_letters (received_at, source, topic, payload, payload_bytes, payload_sha256,"
            " reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (r.received_at, r.source, r.topic[:1024], *kept_payload(r.payload), r.reason, r.detail[:2048])
                for r in rejections
            ],
        )

    async def record_device_status(self, reports: Sequence[JsonObject]) -> None:
        # Keep the newest report per device: a retained status replayed on reconnect is older. An
        # `offline` always applies: a Last Will carries the time its device connected, not died. Rows in
        # device order, as record_heard takes them: redundant instances write the same devices at once.
        await self._conn.executemany(
            """
            INSERT INTO device_status (device_id, site_id, state, reported_at, received_at, battery, rssi, firmware)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (device_id) DO UPDATE SET
                site_id = EXCLUDED.site_id, state = EXCLUDED.state, reported_at = EXCLUDED.reported_at,
                received_at = EXCLUDED.received_at, battery = EXCLUDED.battery, rssi = EXCLUDED.rssi,
                firmware = EXCLUDED.firmware
            WHERE device_status.reported_at <= EXCLUDED.reported_at OR EXCLUDED.state = 'offline'
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
                for r in sorted(reports, key=lambda r: str(r["device_id"]))
            ],
        )
