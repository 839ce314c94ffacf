"""Incidents in PostgreSQL: the site lock, the open incident of a site, saving incidents and their timeline.

Every writer of a site's incidents takes the site's lock (`lock_sites`) before the incident row: that order
is what the concurrency tests pin down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import asyncpg

from hub.adapters.postgres.held_writes import HoldingConnection
from hub.adapters.postgres.rows import Rows, insert_sql
from hub.domain.incidents import Incident, IncidentState, Priority, TimelineEntry

_OPEN = ("resolved", "cancelled")  # states that are NOT open

INCIDENT_FIELDS = (
    "site_id", "kind", "priority", "state", "test", "created_at", "last_event_at", "event_count",
    "acknowledged_at", "dispatched_at", "accepted_at", "en_route_at", "on_scene_at", "resolved_at",
    "cancelled_at", "escalated_at", "escalation_count", "arrival_overdue_at", "cancel_requested_at",
    "disposition", "resolution_note", "changed_at",
)  # fmt: skip
INCIDENT_COLUMNS = "id, " + ", ".join(INCIDENT_FIELDS)


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


class PostgresIncidents(Rows):
    def __init__(self, conn: HoldingConnection) -> None:
        super().__init__(conn)
        # Ids set aside by `open_incidents(may_open=...)` for the incident a site's events open: its insert
        # is then held like the other writes instead of waiting for RETURNING.
        self._set_aside: dict[str, int] = {}

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
            self._conn.sites_locked = True
            return set(ordered)
        rows = await self._conn.fetch(
            "SELECT s FROM unnest($1::text[]) AS s WHERE pg_try_advisory_xact_lock(hashtextextended('site:' || s, 0))",
            ordered,
        )
        self._conn.sites_locked |= bool(rows)
        return {r["s"] for r in rows}

    async def open_incidents(self, site_ids: Sequence[str], may_open: Sequence[str] = ()) -> dict[str, Incident]:
        """The open incident of each site, row-locked (the caller holds the sites' locks); for each site of
        `may_open` without one, an id from the incidents' sequence in the same statement (a row of its own:
        no incident, `set_aside_site` and `set_aside_id`)."""
        select = (
            f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE site_id = ANY($1::text[]) AND state NOT IN ($2, $3)"
            " ORDER BY id FOR UPDATE"
        )
        if not may_open:
            rows = await self._conn.fetch(select, list(site_ids), *_OPEN)
            return {r["site_id"]: incident_from_row(r) for r in rows}
        rows = await self._conn.fetch(
            f"WITH open AS MATERIALIZED ({select}),"
            " set_aside AS (SELECT s AS set_aside_site, nextval($5::text::regclass) AS set_aside_id"
            "  FROM unnest($4::text[]) AS s WHERE s NOT IN (SELECT site_id FROM open))"
            " SELECT * FROM open FULL JOIN set_aside ON false",
            list(site_ids),
            *_OPEN,
            list(may_open),
            self._conn.incident_ids,
        )
        self._set_aside.update({r["set_aside_site"]: r["set_aside_id"] for r in rows if r["id"] is None})
        return {r["site_id"]: incident_from_row(r) for r in rows if r["id"] is not None}

    async def lock_open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        await self.lock_sites(site_ids)
        return await self.open_incidents(site_ids)

    async def save_incident(self, incident: Incident) -> Incident:
        values = _incident_values(incident)
        if incident.id is None:
            row = await self._conn.fetchrow(insert_sql("incidents", INCIDENT_FIELDS, INCIDENT_COLUMNS), *values)
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
        by_site: dict[str, Incident] = {}
        for incident in incidents:  # an id set aside for the site: the insert is held, its row known already
            if incident.id is None and incident.site_id in self._set_aside:
                by_site[incident.site_id] = replace(incident, id=self._set_aside.pop(incident.site_id))
        if by_site:
            await self._conn.hold(
                "incidents",
                # The id is an identity column: the one set aside from its sequence overrides it.
                f"INSERT INTO incidents ({INCIDENT_COLUMNS}) OVERRIDING SYSTEM VALUE SELECT {INCIDENT_COLUMNS}"
                " FROM jsonb_populate_recordset(NULL::incidents, $1::jsonb)",
                [{"id": i.id, **_incident_json(i)} for i in by_site.values()],
            )
        new = [_incident_json(i) for i in incidents if i.id is None and i.site_id not in by_site]
        changed = [{"id": i.id, **_incident_json(i)} for i in incidents if i.id is not None]
        if new:
            rows = await self._conn.fetch(
                f"INSERT INTO incidents ({fields}) SELECT {fields}"
                f" FROM jsonb_populate_recordset(NULL::incidents, $1::jsonb) RETURNING {INCIDENT_COLUMNS}",
                new,
            )
            by_site |= {r["site_id"]: incident_from_row(r) for r in rows}
        if changed:  # held: an updated incident is saved as it is given (its row's columns are its fields)
            await self._conn.hold(
                "incidents",
                f"UPDATE incidents AS i SET ({fields}) = ({', '.join(f'r.{f}' for f in INCIDENT_FIELDS)}),"
                " updated_at = now() FROM jsonb_populate_recordset(NULL::incidents, $1::jsonb) AS r"
                " WHERE i.id = r.id",
                changed,
            )
        return [by_site[i.site_id] if i.id is None else i for i in incidents]

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
            self._conn.sites_locked = True
        row = await self._conn.fetchrow(
            f"SELECT {INCIDENT_COLUMNS} FROM incidents WHERE id = $1{' FOR UPDATE' if lock else ''}", incident_id
        )
        return incident_from_row(row) if row else None

    async def open_incident_of_site(self, site_id: str) -> Incident | None:
        return (await self.lock_open_incidents([site_id])).get(site_id)

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self.append_timelines([(incident_id, e) for e in entries])

    async def append_timelines(self, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
        await self._conn.hold(
            "incident_timeline",
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
