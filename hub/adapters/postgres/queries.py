"""Read side for the console and REST API: rows read straight into the views of `hub.services.views` (the
shapes the API sends), once, here (see IncidentQueries)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from hub.adapters.postgres.incidents import INCIDENT_COLUMNS, INCIDENT_FIELDS
from hub.domain.district import District
from hub.domain.incidents import FINAL_STATES, Incident, IncidentState
from hub.domain.steps import StepRole, steps_for
from hub.services.ports import IncidentSearch, JsonObject
from hub.services.views.devices import DeviceStatus, OpenFault
from hub.services.views.dispatches import Dispatch, DispatchSite, OfficerPresence, OfficerStep
from hub.services.views.incidents import Incident as IncidentView
from hub.services.views.incidents import IncidentDetail, IncidentEvent, Media, TimelineEntry
from hub.services.views.warnings import SpeakerWarning

_COLUMNS = INCIDENT_COLUMNS
_DISPATCH_JSON_COLUMNS = (
    "d.id, d.incident_id, d.officer_id, d.state, d.rule, d.offered_at, d.accept_by, d.answered_at, d.note,"
    " i.site_id, i.kind, i.priority, i.state AS incident_state, i.event_count, i.created_at AS incident_created_at,"
    " (SELECT m.id FROM media m JOIN incident_events ie ON ie.event_pk = m.event_pk"
    "  WHERE ie.incident_id = d.incident_id AND m.kind = 'snapshot' AND m.state = 'stored'"
    "  ORDER BY m.id DESC LIMIT 1) AS snapshot_media_id,"
    " ARRAY(SELECT s.step_id FROM incident_steps s WHERE s.incident_id = d.incident_id) AS steps_done"
)
_FINAL = sorted(s.value for s in FINAL_STATES)


_WARNING_JSON_COLUMNS = (
    "id, command_id, speaker_id, site_id, incident_id, rule_id, message_id, text, lang, audio_url, duration_s,"
    " repeat, volume, priority, expires_at, state, error, attempts, created_by, created_at, received_at, playing_at,"
    " finished_at"
)


def _media(row: asyncpg.Record) -> Media:
    return Media(**row, url=f"/api/v1/media/{row['id']}" if row["state"] == "stored" else None)


class PostgresIncidentQueries:
    def __init__(self, pool: asyncpg.Pool, district: District) -> None:
        self._pool = pool
        self._district = district

    def _incident(self, row: asyncpg.Record | Mapping[str, Any]) -> IncidentView:
        return IncidentView.model_validate({**row, **self._site_names(row["site_id"])})

    def incident_view(self, incident: Incident) -> IncidentView:
        """What `incidents_by_id` gives for this incident's row, from the incident a writer has just
        committed (it came back from the database as that row): live views get it without a query."""
        values: dict[str, Any] = {"id": incident.id, **{f: getattr(incident, f) for f in INCIDENT_FIELDS}}
        values["priority"] = int(incident.priority)
        return self._incident(values)

    def _site_names(self, site_id: str) -> dict[str, str]:
        site = self._district.sites.get(site_id)
        return {"site_name": site.name if site else site_id, "site_name_en": site.name_en if site else site_id}

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[IncidentView]:
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

    async def incidents_by_id(self, incident_ids: Sequence[int]) -> list[IncidentView]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id", list(incident_ids)
        )
        return [self._incident(r) for r in rows]

    async def get_incident(self, incident_id: int) -> IncidentDetail | None:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM incidents WHERE id = $1", incident_id)
            if row is None:
                return None
            timeline = await conn.fetch(
                # actor_name: a console user's display name (officers' names are in the district).
                "SELECT t.at, t.actor, t.action, t.from_state, t.to_state, t.reason, t.reason_code, t.reason_params,"
                " nullif(u.display_name, '') AS actor_name FROM incident_timeline t"
                " LEFT JOIN users u ON t.actor = 'user:' || u.username"
                " WHERE t.incident_id = $1 ORDER BY t.at, t.id",
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
            media = await conn.fetch(
                "SELECT m.id, m.kind, m.state, m.content_type, m.bytes, m.created_at, m.error, e.device_id,"
                " e.type AS event_type, e.payload->>'zone' AS zone, e.payload->>'detail' AS detail,"
                " e.payload->>'clip_start' AS clip_start, e.payload->>'clip_end' AS clip_end"
                " FROM media m JOIN incident_events ie ON ie.event_pk = m.event_pk JOIN events e ON e.id = m.event_pk"
                " WHERE ie.incident_id = $1 ORDER BY m.id",
                incident_id,
            )
        return IncidentDetail.model_validate(
            {
                **row,
                **self._site_names(row["site_id"]),
                "timeline": [TimelineEntry(**r) for r in timeline],
                "events": [IncidentEvent(**r) for r in events],
                "dispatches": [self._dispatch(r) for r in dispatches],
                "media": [_media(r) for r in media],
                "warnings": await self.list_warnings(incident_id=incident_id),
            }
        )

    async def list_warnings(
        self, incident_id: int | None = None, state: str | None = None, limit: int = 200
    ) -> list[SpeakerWarning]:
        rows = await self._pool.fetch(
            f"SELECT {_WARNING_JSON_COLUMNS} FROM warnings"
            " WHERE ($1::bigint IS NULL OR incident_id = $1) AND ($2::text IS NULL OR state = $2)"
            " ORDER BY id DESC LIMIT $3",
            incident_id,
            state,
            limit,
        )
        return [self._warning(r) for r in rows]

    async def warnings_by_id(self, warning_ids: Sequence[int]) -> list[SpeakerWarning]:
        rows = await self._pool.fetch(
            f"SELECT {_WARNING_JSON_COLUMNS} FROM warnings WHERE id = ANY($1::bigint[]) ORDER BY id", list(warning_ids)
        )
        return [self._warning(r) for r in rows]

    def _warning(self, row: asyncpg.Record) -> SpeakerWarning:
        speaker = self._district.devices.get(row["speaker_id"])
        return SpeakerWarning(**row, speaker_label=speaker.label if speaker else row["speaker_id"])

    async def media_file(self, media_id: int) -> JsonObject | None:
        """A stored media file: path (below the media root), content type, and the incidents and
        officers (dispatched to them) it belongs to, for access checks."""
        row = await self._pool.fetchrow(
            """
            SELECT m.path, m.content_type,
                   array_remove(array_agg(DISTINCT ie.incident_id), NULL) AS incidents,
                   array_remove(array_agg(DISTINCT d.officer_id), NULL) AS officers
            FROM media m
            LEFT JOIN incident_events ie ON ie.event_pk = m.event_pk
            LEFT JOIN dispatches d ON d.incident_id = ie.incident_id
            WHERE m.id = $1 AND m.state = 'stored'
            GROUP BY m.id
            """,
            media_id,
        )
        return dict(row) if row else None

    def _dispatch(self, row: asyncpg.Record) -> Dispatch:
        values = dict(row)
        site = self._district.sites.get(row["site_id"])
        officer = self._district.officers.get(row["officer_id"])
        media_id = values.pop("snapshot_media_id")
        done = set(values.pop("steps_done") or ())
        plan = steps_for(self._district.response_steps, row["kind"], site.kind if site else "")
        return Dispatch(
            **values,
            officer_name=officer.name if officer else row["officer_id"],
            snapshot_url=f"/api/v1/media/{media_id}" if media_id else None,
            steps=[  # guided response: the officer's own steps (hub.domain.steps)
                OfficerStep(id=step.id, label=step.label, required=step.required, done=step.id in done)
                for step in plan
                if step.role is StepRole.OFFICER
            ],
            site=None
            if site is None
            else DispatchSite(
                id=site.id,
                name=site.name,
                name_en=site.name_en,
                address=site.address,
                lat=site.lat,
                lon=site.lon,
                contact_name=site.contact_name,
                contact_phone=site.contact_phone,
                navigation=site.geo_uri,
            ),
        )

    async def dispatches_by_id(self, dispatch_ids: Sequence[int]) -> list[Dispatch]:
        rows = await self._pool.fetch(
            f"SELECT {_DISPATCH_JSON_COLUMNS} FROM dispatches d JOIN incidents i ON i.id = d.incident_id"
            " WHERE d.id = ANY($1::bigint[]) ORDER BY d.id",
            list(dispatch_ids),
        )
        return [self._dispatch(r) for r in rows]

    async def dispatches_for_officer(self, officer_id: str, active_only: bool = True) -> list[Dispatch]:
        """An officer's own dispatches (the officer app): the active ones, or the last 50."""
        where = " AND d.state IN ('offered', 'accepted', 'en_route', 'on_scene')" if active_only else ""
        rows = await self._pool.fetch(
            f"SELECT {_DISPATCH_JSON_COLUMNS} FROM dispatches d JOIN incidents i ON i.id = d.incident_id"
            f" WHERE d.officer_id = $1{where} ORDER BY d.id DESC LIMIT 50",
            officer_id,
        )
        return [self._dispatch(r) for r in rows]

    async def officer_presence(self) -> list[OfficerPresence]:
        rows = await self._pool.fetch(
            "SELECT officer_id, signed_on, changed_at, lat, lon, located_at FROM officer_presence ORDER BY officer_id"
        )
        return [OfficerPresence(**r) for r in rows]

    # --- the console's other views: device health, history search ---------------------------------

    async def device_health(self) -> list[DeviceStatus]:
        """What supervision knows of each device (seeded for every registered device, so a device
        never heard from has a row too: `heard` tells them apart), its last status report, and the
        open incidents its own tamper or offline events belong to."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                """
                SELECT coalesce(h.device_id, s.device_id) AS device_id,
                       coalesce(h.site_id, s.site_id) AS site_id,
                       h.online, h.last_seen_at, h.deadline_at, h.offline_since, h.battery, h.low_battery,
                       s.state AS status_state, s.reported_at AS status_reported_at,
                       s.battery AS status_battery, s.rssi, s.firmware,
                       (s.device_id IS NOT NULL OR EXISTS (
                           SELECT 1 FROM events e
                           WHERE e.device_id = coalesce(h.device_id, s.device_id)
                             AND e.event_id NOT LIKE 'supervision-%')) AS heard
                FROM device_health h FULL JOIN device_status s ON s.device_id = h.device_id
                ORDER BY 1
                """
            )
            faults = await conn.fetch(
                """
                SELECT DISTINCT ON (e.device_id, e.type) e.device_id, e.type, i.id AS incident_id,
                       e.received_at AS since
                FROM incidents i
                JOIN incident_events ie ON ie.incident_id = i.id
                JOIN events e ON e.id = ie.event_pk
                WHERE i.state <> ALL($1::text[]) AND e.type IN ('tamper', 'offline')
                ORDER BY e.device_id, e.type, e.received_at DESC
                """,
                _FINAL,
            )
        open_faults: dict[str, list[OpenFault]] = {}
        for f in faults:
            open_faults.setdefault(f["device_id"], []).append(
                OpenFault(type=f["type"], incident_id=f["incident_id"], since=f["since"])
            )
        return [DeviceStatus(**r, open_faults=open_faults.get(r["device_id"], [])) for r in rows]

    async def search_incidents(
        self, search: IncidentSearch, limit: int = 50, offset: int = 0
    ) -> tuple[list[IncidentView], int]:
        """Incidents matching every filter of `search`, newest first, and how many match in all."""
        clauses: list[str] = []
        args: list[Any] = []

        def param(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        if search.site_id is not None:
            clauses.append(f"site_id = {param(search.site_id)}")
        if search.kind is not None:
            clauses.append(f"kind = {param(search.kind)}")
        if search.state == "open":
            clauses.append(f"state <> ALL({param(_FINAL)}::text[])")
        elif search.state == "closed":
            clauses.append(f"state = ANY({param(_FINAL)}::text[])")
        elif search.state is not None:
            clauses.append(f"state = {param(IncidentState(search.state).value)}")
        if search.disposition is not None:
            clauses.append(f"disposition = {param(search.disposition)}")
        if search.created_from is not None:
            clauses.append(f"created_at >= {param(search.created_from)}")
        if search.created_to is not None:
            clauses.append(f"created_at < {param(search.created_to)}")
        if search.escalated is not None:
            flagged = "(escalation_count > 0 OR arrival_overdue_at IS NOT NULL)"
            clauses.append(flagged if search.escalated else f"NOT {flagged}")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        async with self._pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM incidents{where}", *args)
            filters = len(args)
            rows = await conn.fetch(
                f"SELECT {_COLUMNS} FROM incidents{where} ORDER BY created_at DESC, id DESC"
                f" LIMIT ${filters + 1} OFFSET ${filters + 2}",
                *args,
                limit,
                offset,
            )
        return [self._incident(r) for r in rows], int(total)
