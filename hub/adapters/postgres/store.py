"""The write side in PostgreSQL: one transaction per ingest batch or lifecycle command."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from hub.adapters.postgres.dead_letters import kept_payload
from hub.domain.dispatch import Dispatch, DispatchState, RouteRule
from hub.domain.escalation import Timer, TimerKind
from hub.domain.events import DeviceEvent, EventIdentity
from hub.domain.incidents import Incident, IncidentState, Priority, TimelineEntry
from hub.domain.routing import OfficerPresence
from hub.domain.supervision import Heard
from hub.domain.talkdown import ZoneReport
from hub.domain.warnings import WarningState
from hub.services.lifecycle import SELF_CLEARING_KINDS
from hub.services.media import MediaItem, PendingMedia
from hub.services.messages import OutboundMessage, Rejection
from hub.services.ports import JsonObject, Lease, LeaseLost
from hub.services.warnings import StoredWarning

CHANGES_CHANNEL = "sentinel_changes"
_OPEN = ("resolved", "cancelled")  # states that are NOT open
_NOTIFY_CHUNK = 400  # ids per NOTIFY, keeping each payload far below PostgreSQL's 8000-byte limit

INCIDENT_FIELDS = (
    "site_id", "kind", "priority", "state", "test", "created_at", "last_event_at", "event_count",
    "acknowledged_at", "dispatched_at", "accepted_at", "en_route_at", "on_scene_at", "resolved_at",
    "cancelled_at", "escalated_at", "escalation_count", "arrival_overdue_at", "cancel_requested_at",
    "disposition", "resolution_note", "changed_at",
)  # fmt: skip
INCIDENT_COLUMNS = "id, " + ", ".join(INCIDENT_FIELDS)
_DISPATCH_COLUMNS = "id, incident_id, officer_id, state, rule, offered_at, accept_by, answered_at, note"


def incident_from_row(row: asyncpg.Record) -> Incident:
    values = {field: row[field] for field in INCIDENT_FIELDS}
    values["priority"] = Priority(row["priority"])
    values["state"] = IncidentState(row["state"])
    return Incident(id=row["id"], **values)


def _incident_values(incident: Incident) -> list[object]:
    values = [getattr(incident, field) for field in INCIDENT_FIELDS]
    values[INCIDENT_FIELDS.index("priority")] = int(incident.priority)
    values[INCIDENT_FIELDS.index("state")] = incident.state.value
    return values


def _incident_json(incident: Incident) -> dict[str, object]:
    """An incident as jsonb_populate_recordset reads it (timestamps as ISO 8601 with offset)."""
    return {
        field: value.isoformat() if isinstance(value, datetime) else value
        for field, value in zip(INCIDENT_FIELDS, _incident_values(incident), strict=True)
    }


_WARNING_COLUMNS = (
    "id, command_id, speaker_id, site_id, incident_id, state, attempts, expires_at, command, duration_s, repeat,"
    " playing_at, rule_id"
)


def _stored_warning(row: asyncpg.Record) -> StoredWarning:
    return StoredWarning(
        id=row["id"],
        command_id=row["command_id"],
        speaker_id=row["speaker_id"],
        site_id=row["site_id"],
        incident_id=row["incident_id"],
        state=WarningState(row["state"]),
        attempts=row["attempts"],
        expires_at=row["expires_at"],
        command=bytes(row["command"]),
        playing_for_s=float(row["duration_s"]) * row["repeat"],
        playing_at=row["playing_at"],
        rule_id=row["rule_id"],
    )


def dispatch_from_row(row: asyncpg.Record) -> Dispatch:
    return Dispatch(
        id=row["id"],
        incident_id=row["incident_id"],
        officer_id=row["officer_id"],
        state=DispatchState(row["state"]),
        rule=RouteRule(row["rule"]),
        offered_at=row["offered_at"],
        accept_by=row["accept_by"],
        answered_at=row["answered_at"],
        note=row["note"],
    )


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


class PostgresTransaction:
    def __init__(self, conn: asyncpg.pool.PoolConnectionProxy) -> None:
        self._conn = conn

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
        # lock_sites(wait=False) and add_events in one statement: a data-modifying CTE always runs, and it
        # reads the sites locked (a CTE referenced twice is evaluated once), so no event of a busy site is stored.
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

    async def lock_sites(self, site_ids: Sequence[str], wait: bool = True) -> set[str]:
        """Every writer of a site's incidents holds the site's lock (a transaction-level advisory lock,
        released at commit) before it reads the incident, so none can undo another's change. Ingest
        does not wait (`wait=False`): it takes the sites it can and requeues the events of the
        others, so one busy or stalled site never holds up the rest. Returns the sites locked."""
        ordered = sorted(set(site_ids))
        if wait:  # sorted: two waiting writers never deadlock
            await self._conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('site:' || s, 0)) FROM unnest($1::text[]) AS s"
                " ORDER BY s",
                ordered,
            )
            return set(ordered)
        rows = await self._conn.fetch(
            "SELECT s FROM unnest($1::text[]) AS s WHERE pg_try_advisory_xact_lock(hashtextextended('site:' || s, 0))",
            ordered,
        )
        return {r["s"] for r in rows}

    async def open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        """The open incident of each site, row-locked (the caller holds the sites' locks)."""
        rows = await self._conn.fetch(
            f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE site_id = ANY($1::text[]) AND state NOT IN ($2, $3)"
            " ORDER BY id FOR UPDATE",
            list(site_ids),
            *_OPEN,
        )
        return {r["site_id"]: incident_from_row(r) for r in rows}

    async def lock_open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        await self.lock_sites(site_ids)
        return await self.open_incidents(site_ids)

    async def save_incident(self, incident: Incident) -> Incident:
        values = _incident_values(incident)
        if incident.id is None:
            placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
            row = await self._conn.fetchrow(
                f"INSERT INTO incidents ({', '.join(INCIDENT_FIELDS)}) VALUES ({placeholders})"
                f" RETURNING {INCIDENT_COLUMNS}",
                *values,
            )
        else:
            assignments = ", ".join(f"{field} = ${i}" for i, field in enumerate(INCIDENT_FIELDS, start=1))
            row = await self._conn.fetchrow(
                f"UPDATE incidents SET {assignments}, updated_at = now() WHERE id = ${len(values) + 1}"
                f" RETURNING {INCIDENT_COLUMNS}",
                *values,
                incident.id,
            )
        assert row is not None, f"incident {incident.id} vanished"
        return incident_from_row(row)

    async def save_incidents(self, incidents: Sequence[Incident]) -> list[Incident]:
        # The rows travel as one JSON array turned into incidents rows (jsonb_populate_recordset): one
        # statement whatever their number, where one INSERT or UPDATE per site cost a round trip each.
        fields = ", ".join(INCIDENT_FIELDS)
        new = [_incident_json(i) for i in incidents if i.id is None]
        changed = [{"id": i.id, **_incident_json(i)} for i in incidents if i.id is not None]
        by_site: dict[str, Incident] = {}
        by_id: dict[int, Incident] = {}
        if new:
            rows = await self._conn.fetch(
                f"INSERT INTO incidents ({fields}) SELECT {fields}"
                f" FROM jsonb_populate_recordset(NULL::incidents, $1::jsonb) RETURNING {INCIDENT_COLUMNS}",
                new,
            )
            by_site = {r["site_id"]: incident_from_row(r) for r in rows}
        if changed:
            rows = await self._conn.fetch(
                f"UPDATE incidents AS i SET ({fields}) = ({', '.join(f'r.{f}' for f in INCIDENT_FIELDS)}),"
                " updated_at = now() FROM jsonb_populate_recordset(NULL::incidents, $1::jsonb) AS r"
                f" WHERE i.id = r.id RETURNING {', '.join(f'i.{c.strip()}' for c in INCIDENT_COLUMNS.split(','))}",
                changed,
            )
            by_id = {r["id"]: incident_from_row(r) for r in rows}
        saved = [by_site[i.site_id] if i.id is None else by_id[i.id] for i in incidents]
        return saved

    async def incident(self, incident_id: int, lock: bool = True) -> Incident | None:
        if lock:  # the site's lock first, as every writer of the site's incidents takes it (lock_sites)
            site_id = await self._conn.fetchval(
                "SELECT i.site_id FROM incidents i,"
                " LATERAL (SELECT pg_advisory_xact_lock(hashtextextended('site:' || i.site_id, 0))) AS l"
                " WHERE i.id = $1",
                incident_id,
            )
            if site_id is None:
                return None
        row = await self._conn.fetchrow(
            f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1{' FOR UPDATE' if lock else ''}", incident_id
        )
        return incident_from_row(row) if row else None

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

    async def officer_presence(self) -> dict[str, OfficerPresence]:
        rows = await self._conn.fetch(
            """
            SELECT p.officer_id, p.signed_on, p.lat, p.lon,
                   EXISTS (SELECT 1 FROM dispatches d WHERE d.officer_id = p.officer_id
                           AND d.state IN ('offered', 'accepted', 'en_route', 'on_scene')) AS busy
            FROM officer_presence p
            """
        )
        return {
            r["officer_id"]: OfficerPresence(r["officer_id"], r["signed_on"], r["busy"], r["lat"], r["lon"])
            for r in rows
        }

    async def set_signed_on(self, officer_id: str, signed_on: bool, at: datetime) -> None:
        was = await self._conn.fetchval(
            "SELECT signed_on FROM officer_presence WHERE officer_id = $1 FOR UPDATE", officer_id
        )
        if was is signed_on:
            return  # an app repeating its state: nothing changes, nothing to log
        await self._conn.execute(
            "INSERT INTO officer_presence (officer_id, signed_on, changed_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (officer_id) DO UPDATE SET signed_on = EXCLUDED.signed_on, changed_at = EXCLUDED.changed_at",
            officer_id,
            signed_on,
            at,
        )
        await self._conn.execute(
            "INSERT INTO officer_duty_log (officer_id, action, at) VALUES ($1, $2, $3)",
            officer_id,
            "sign_on" if signed_on else "sign_off",
            at,
        )

    async def record_location(self, officer_id: str, lat: float, lon: float, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO officer_presence (officer_id, signed_on, changed_at, lat, lon, located_at)"
            " VALUES ($1, false, $4, $2, $3, $4)"
            " ON CONFLICT (officer_id) DO UPDATE SET lat = $2, lon = $3, located_at = $4",
            officer_id,
            lat,
            lon,
            at,
        )

    async def schedule_timers(self, timers: Sequence[Timer]) -> None:
        await self._conn.executemany(
            "INSERT INTO timers (incident_id, kind, dispatch_id, due_at) VALUES ($1, $2, $3, $4)",
            [(t.incident_id, t.kind.value, t.dispatch_id, t.due_at) for t in timers],
        )

    async def cancel_timers(self, incident_id: int, kinds: Sequence[TimerKind]) -> None:
        await self._conn.execute(
            "UPDATE timers SET cancelled = true WHERE incident_id = $1 AND kind = ANY($2::text[])"
            " AND fired_at IS NULL AND NOT cancelled",
            incident_id,
            [k.value for k in kinds],
        )

    async def claim_due_timer(self, now: datetime, fired_by: str) -> Timer | None:
        # SKIP LOCKED plus fired_at set in the same transaction as the timer's effects: a timer
        # fires once even if two instances ever looked at the same moment.
        row = await self._conn.fetchrow(
            """
            UPDATE timers SET fired_at = $1, fired_by = $2
            WHERE id = (SELECT id FROM timers WHERE fired_at IS NULL AND NOT cancelled AND due_at <= $1
                        ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, incident_id, kind, dispatch_id, due_at
            """,
            now,
            fired_by,
        )
        if row is None:
            return None
        return Timer(TimerKind(row["kind"]), row["incident_id"], row["due_at"], row["dispatch_id"], row["id"])

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

    async def open_incident_of_site(self, site_id: str) -> Incident | None:
        return (await self.lock_open_incidents([site_id])).get(site_id)

    async def latest_snapshot(self, incident_id: int) -> int | None:
        return await self._conn.fetchval(
            "SELECT m.id FROM media m JOIN incident_events ie ON ie.event_pk = m.event_pk"
            " WHERE ie.incident_id = $1 AND m.kind = 'snapshot' AND m.state = 'stored' ORDER BY m.id DESC LIMIT 1",
            incident_id,
        )

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

    async def faulty_devices(self, site_id: str) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT device_id FROM device_health WHERE site_id = $1 AND (NOT online OR fault IS NOT NULL)"
            " ORDER BY device_id",
            site_id,
        )
        return [r["device_id"] for r in rows]

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

    async def record_heard(self, rows: Sequence[tuple[Heard, datetime, bool]]) -> list[tuple[str, str]]:
        ids = [h.device_id for h, _, _ in rows]
        was_offline = {
            r["device_id"]
            for r in await self._conn.fetch(
                "SELECT device_id FROM device_health WHERE device_id = ANY($1::text[]) AND NOT online FOR UPDATE", ids
            )
        }
        # A device that says it goes offline keeps its state until its (short) deadline passes:
        # a clean restart inside the grace raises nothing.
        await self._conn.execute(
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

    async def mark_overdue(self, now: datetime, limit: int) -> list[tuple[str, str, str, datetime, datetime]]:
        rows = await self._conn.fetch(
            """
            UPDATE device_health SET online = false, offline_since = deadline_at
            WHERE device_id IN (SELECT device_id FROM device_health WHERE online AND deadline_at <= $1
                                ORDER BY deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING device_id, site_id, kind, deadline_at, last_seen_at
            """,
            now,
            limit,
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

    async def hold_lease(self, lease: Lease) -> None:
        # FOR SHARE: a takeover (an UPDATE of this row) waits until this transaction has ended.
        held = await self._conn.fetchval(
            "SELECT true FROM leader_lease WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()"
            " FOR SHARE",
            lease.name,
            lease.holder,
            lease.epoch,
        )
        if not held:
            raise LeaseLost(f"lease {lease.name} epoch {lease.epoch} is no longer held by {lease.holder}")

    async def add_media(self, items: Sequence[tuple[int, MediaItem]]) -> None:
        await self._conn.executemany(
            "INSERT INTO media (event_pk, kind, state, source_url, path, content_type, bytes, error,"
            " stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $3 = 'stored' THEN now() END)",
            [(pk, m.kind, m.state, m.source_url, m.path, m.content_type, m.size, m.error) for pk, m in items],
        )

    async def claim_due_media(self, now: datetime, lease: timedelta, limit: int) -> list[PendingMedia]:
        rows = await self._conn.fetch(
            """
            UPDATE media m SET attempts = m.attempts + 1, next_attempt_at = $1 + $2::interval
            FROM events e
            WHERE e.id = m.event_pk AND m.id IN (
                SELECT id FROM media WHERE state = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING m.id, e.device_id, e.event_id, m.kind, m.source_url, m.attempts, e.occurred_at
            """,
            now,
            lease,
            limit,
        )
        return [
            PendingMedia(
                r["id"], r["device_id"], r["event_id"], r["kind"], r["source_url"], r["attempts"], r["occurred_at"]
            )
            for r in rows
        ]

    async def media_stored(self, media_id: int, path: str, content_type: str, size: int) -> None:
        incident_ids = await self._conn.fetch(
            """
            WITH stored AS (
                UPDATE media SET state = 'stored', path = $2, content_type = $3, bytes = $4, stored_at = now(),
                    error = '' WHERE id = $1 RETURNING event_pk)
            SELECT ie.incident_id FROM stored JOIN incident_events ie ON ie.event_pk = stored.event_pk
            """,
            media_id,
            path,
            content_type,
            size,
        )
        if incident_ids:
            await self.announce([r["incident_id"] for r in incident_ids])

    async def media_retry(self, media_id: int, at: datetime, error: str) -> None:
        await self._conn.execute("UPDATE media SET next_attempt_at = $2, error = $3 WHERE id = $1", media_id, at, error)

    async def media_failed(self, media_id: int, error: str) -> None:
        await self._conn.execute("UPDATE media SET state = 'failed', error = $2 WHERE id = $1", media_id, error)

    # --- loudspeaker warnings -------------------------------------------------------------------------
    async def add_warning(self, row: dict[str, Any]) -> int:
        columns = list(row)
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        return await self._conn.fetchval(
            f"INSERT INTO warnings ({', '.join(columns)}) VALUES ({placeholders}) RETURNING id", *row.values()
        )

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

    async def announce_warnings(self, warning_ids: Sequence[int]) -> None:
        await self._conn.execute(
            "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps({"type": "warnings", "ids": list(warning_ids)})
        )

    async def audit(self, actor: str, action: str, target: str, detail: JsonObject) -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4)",
            actor,
            action,
            target,
            detail,
        )

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

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None:
        await self._conn.execute(
            "INSERT INTO incident_events (incident_id, event_pk) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
            [i for i, _ in links],
            [e for _, e in links],
        )

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self.append_timelines([(incident_id, e) for e in entries])

    async def append_timelines(self, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
        await self._conn.execute(
            "INSERT INTO incident_timeline"
            " (incident_id, at, actor, action, from_state, to_state, reason, reason_code, reason_params)"
            " SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],"
            " $6::text[], $7::text[], $8::text[], $9::jsonb[])",
            [i for i, _ in entries],
            [e.at for _, e in entries],
            [e.actor for _, e in entries],
            [e.action for _, e in entries],
            [e.from_state.value if e.from_state else None for _, e in entries],
            [e.to_state.value for _, e in entries],
            [e.reason for _, e in entries],
            [e.code for _, e in entries],
            [dict(e.params) for _, e in entries],
        )

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
        # `offline` always applies: a Last Will carries the time its device connected, not died.
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
                for r in reports
            ],
        )

    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None:
        await self._conn.execute(
            "INSERT INTO outbox (topic, payload) SELECT * FROM unnest($1::text[], $2::bytea[])",
            [m.topic for m in messages],
            [m.payload for m in messages],
        )

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float, announce: Sequence[int] = ()
    ) -> list[tuple[int, OutboundMessage]]:
        """Outbox rows written already claimed for `lease_s` (the relay leaves them alone until it
        lapses); each with its row id. With `announce`, the incidents' NOTIFY goes in the same statement
        (the function in FROM runs once, and not at all without ids: the WHERE has no column)."""
        if len(announce) > _NOTIFY_CHUNK:
            await self.announce(announce)
            announce = ()
        rows = await self._conn.fetch(
            "WITH m AS (INSERT INTO outbox (topic, payload, claim_token, claimed_until, attempts)"
            " SELECT t, p, $3, now() + make_interval(secs => $4), 1 FROM unnest($1::text[], $2::bytea[]) AS m(t, p)"
            " RETURNING id, topic, payload)"
            " SELECT id, topic, payload FROM m"
            " UNION ALL SELECT NULL, NULL, NULL FROM pg_notify($5, $6) WHERE $6::text IS NOT NULL",
            [m.topic for m in messages],
            [m.payload for m in messages],
            token,
            lease_s,
            CHANGES_CHANNEL,
            json.dumps({"type": "incidents", "ids": list(announce)}) if announce else None,
        )
        return [(r["id"], OutboundMessage(r["topic"], bytes(r["payload"]))) for r in rows if r["id"] is not None]

    async def announce(self, incident_ids: Sequence[int], dispatch_ids: Sequence[int] = ()) -> None:
        # NOTIFY is delivered only on commit, to every hub instance: live views never show what
        # was rolled back.
        for kind, ids in (("incidents", incident_ids), ("dispatches", dispatch_ids)):
            for start in range(0, len(ids), _NOTIFY_CHUNK):
                chunk = list(ids[start : start + _NOTIFY_CHUNK])
                await self._conn.execute(
                    "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps({"type": kind, "ids": chunk})
                )


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)
