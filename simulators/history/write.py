"""Writing a generated history straight into the hub's tables (COPY and bulk INSERT)."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from simulators.history.model import GenIncident, History


def _talkdown_rows(incident: GenIncident) -> list[tuple[object, ...]]:
    at = incident.created_at + timedelta(seconds=40)
    code = f"talkdown_{incident.talkdown}"
    return [(incident.id, at, "system", code, "new", "new", code, code)]


def _verification_rows(incident: GenIncident) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [
        (incident.id, incident.created_at, "system", "verification_requested", "new", "new", "cam")
    ]
    if incident.verification_s is not None:
        at = incident.created_at + timedelta(seconds=incident.verification_s)
        rows.append((incident.id, at, "device:cam", "video_verified", "new", "new", "clip and snapshot from cam"))
    return rows


async def write(conn: asyncpg.Connection, history: History) -> None:
    """Insert the history into an empty, migrated database (ids are the generated ones)."""
    incidents = history.incidents
    columns = (
        "id",
        "site_id",
        "kind",
        "priority",
        "state",
        "test",
        "created_at",
        "last_event_at",
        "event_count",
        "acknowledged_at",
        "dispatched_at",
        "accepted_at",
        "en_route_at",
        "on_scene_at",
        "resolved_at",
        "cancelled_at",
        "escalation_count",
        "arrival_overdue_at",
        "disposition",
    )
    types = (
        "bigint",
        "text",
        "text",
        "smallint",
        "text",
        "boolean",
        *["timestamptz"] * 2,
        "int",
        *["timestamptz"] * 7,
        "int",
        "timestamptz",
        "text",
    )
    values = [
        [i.id for i in incidents],
        [i.site_id for i in incidents],
        [i.kind for i in incidents],
        [i.priority for i in incidents],
        [i.state for i in incidents],
        [i.test for i in incidents],
        [i.created_at for i in incidents],
        [i.created_at for i in incidents],
        [1 for _ in incidents],
        [i.acknowledged_at for i in incidents],
        [i.dispatched_at for i in incidents],
        [i.accepted_at for i in incidents],
        [i.en_route_at for i in incidents],
        [i.on_scene_at for i in incidents],
        [i.resolved_at for i in incidents],
        [i.cancelled_at for i in incidents],
        [i.escalation_count for i in incidents],
        [i.arrival_overdue_at for i in incidents],
        [i.disposition for i in incidents],
    ]
    unnest = ", ".join(f"${n}::{t}[]" for n, t in enumerate(types, 1))
    async with conn.transaction():
        await conn.execute(
            f"INSERT INTO incidents ({', '.join(columns)}) OVERRIDING SYSTEM VALUE SELECT * FROM unnest({unnest})",
            *values,
        )
        await conn.execute("SELECT setval(pg_get_serial_sequence('incidents', 'id'), max(id)) FROM incidents")
        await conn.copy_records_to_table(
            "dispatches",
            columns=["incident_id", "officer_id", "state", "rule", "offered_at", "accept_by", "answered_at"],
            records=[
                (i.id, d.officer_id, d.state, "grid", d.offered_at, d.offered_at + timedelta(seconds=60), d.answered_at)
                for i in incidents
                for d in i.dispatches
            ],
        )
        await conn.copy_records_to_table(
            "incident_timeline",
            columns=["incident_id", "at", "actor", "action", "from_state", "to_state", "reason"],
            records=[row for i in incidents if i.verification_requested for row in _verification_rows(i)],
        )
        await conn.copy_records_to_table(
            "incident_timeline",
            columns=["incident_id", "at", "actor", "action", "from_state", "to_state", "reason"],
            records=[
                (i.id, i.resolved_at, i.resolved_by, "resolve", "on_scene", "resolved", "")
                for i in incidents
                if i.resolved_by and i.resolved_at
            ],
        )
        await conn.copy_records_to_table(
            "incident_timeline",
            columns=["incident_id", "at", "actor", "action", "from_state", "to_state", "reason", "reason_code"],
            records=[row for i in incidents if i.talkdown for row in _talkdown_rows(i)],
        )
        await conn.copy_records_to_table(
            "incident_steps",
            columns=["incident_id", "step_id", "done_at", "actor", "note", "automatic"],
            records=[
                (i.id, step, i.created_at, i.resolved_by or "system", "", False)
                for i in incidents
                for step in i.steps_done
            ],
        )
        events = history.events
        await conn.execute(  # not COPY: a pool's text codec for jsonb has no binary form
            "INSERT INTO events (device_id, event_id, site_id, device_kind, type, occurred_at, received_at, payload)"
            " SELECT d, 'gen-' || n, s, k, t, o, r, '{}'::jsonb"
            " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])"
            " WITH ORDINALITY AS x(d, s, k, t, o, r, n)",
            [e.device_id for e in events],
            [e.site_id for e in events],
            [e.device_kind for e in events],
            [e.type for e in events],
            [e.occurred_at for e in events],
            [e.received_at for e in events],
        )
        command = json.dumps({"action": "play"}).encode()
        await conn.copy_records_to_table(
            "warnings",
            columns=[
                "command_id",
                "speaker_id",
                "site_id",
                "incident_id",
                "rule_id",
                "text",
                "lang",
                "audio_key",
                "audio_url",
                "duration_s",
                "repeat",
                "volume",
                "priority",
                "expires_at",
                "command",
                "state",
                "created_by",
                "created_at",
            ],
            records=[
                (
                    f"gen-{n}",
                    w.speaker_id,
                    w.site_id,
                    w.incident_id,
                    w.rule_id,
                    "请立即离开",
                    "zh-CN",
                    "k",
                    "http://127.0.0.1/audio/k.wav",
                    2.0,
                    1,
                    80,
                    5,
                    w.created_at + timedelta(seconds=60),
                    command,
                    "done",
                    "system" if w.rule_id else "user:desk",
                    w.created_at,
                )
                for n, w in enumerate(history.warnings)
            ],
        )
        for run in history.patrol_runs:
            run_id = await conn.fetchval(
                "INSERT INTO patrol_runs (tour_id, cameras, dwell_s, started_by, started_at, shift, finished_at,"
                " finished_by) VALUES ($1, $2, 20, $3, $4, '', $5, $6) RETURNING id",
                run.tour_id,
                list(run.cameras),
                run.started_by,
                run.started_at,
                run.finished_at,
                run.started_by if run.finished_at else None,
            )
            await conn.copy_records_to_table(
                "patrol_views",
                columns=["run_id", "camera_id", "site_id", "viewed_at", "outcome", "warning_ids", "logged_by"],
                records=[
                    (
                        run_id,
                        v.camera_id,
                        v.site_id,
                        v.viewed_at,
                        v.outcome,
                        [1] if v.outcome == "warning_issued" else [],
                        run.started_by,
                    )
                    for v in run.views
                ],
            )
