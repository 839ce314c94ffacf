"""Video patrol in PostgreSQL (migration 009): patrol runs and the append-only patrol log, for the patrol
service; and the patrol log's coverage per shift, for the supervisors' reports.

A patrol transaction is the store's transaction (hub.adapters.postgres.store), whose `patrol` holds the runs
(hub.adapters.postgres.patrol_runs), so a manual incident is written with its incident ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from hub.adapters.postgres.patrol_runs import (
    RUN_COLUMNS,
    VIEW_COLUMNS,
    run_from_row,
    view_from_row,
)
from hub.adapters.postgres.store import PostgresStore
from hub.domain.district import District
from hub.domain.patrol import SHIFT_DAY_START, SHIFT_HOURS, Half, Outcome, PatrolRun, PatrolView, shifts_starting
from hub.domain.reports import Period, share
from hub.services.views.report_sections import CameraCoverage, PatrolCoverage, PatrolSummary, ShiftCoverage


class PostgresPatrolStore(PostgresStore):
    """The store's transactions (patrol runs are `tx.patrol`) and the patrol log's reads."""

    async def latest_runs(self) -> dict[str, PatrolRun]:
        rows = await self._pool.fetch(
            f"SELECT DISTINCT ON (tour_id) {RUN_COLUMNS} FROM patrol_runs ORDER BY tour_id, started_at DESC, id DESC"
        )
        return {r["tour_id"]: run_from_row(r) for r in rows}

    async def open_runs(self, since: datetime) -> list[PatrolRun]:
        rows = await self._pool.fetch(
            f"SELECT {RUN_COLUMNS} FROM patrol_runs WHERE finished_at IS NULL AND started_at >= $1"
            " ORDER BY started_at DESC, id DESC",
            since,
        )
        return [run_from_row(r) for r in rows]

    async def view_counts(self, run_ids: Sequence[int]) -> dict[int, int]:
        rows = await self._pool.fetch(
            "SELECT run_id, count(*) AS n FROM patrol_views WHERE run_id = ANY($1::bigint[]) GROUP BY run_id",
            list(run_ids),
        )
        return {r["run_id"]: r["n"] for r in rows}

    async def log(
        self, start: datetime | None, end: datetime | None, camera_id: str | None, limit: int
    ) -> list[tuple[PatrolView, PatrolRun]]:
        rows = await self._pool.fetch(
            f"SELECT {', '.join('v.' + c for c in VIEW_COLUMNS.split(', '))},"
            " r.tour_id, r.tour_name, r.cameras, r.dwell_s, r.started_by, r.started_at, r.shift, r.finished_at,"
            " r.finished_by"
            " FROM patrol_views v JOIN patrol_runs r ON r.id = v.run_id"
            " WHERE ($1::timestamptz IS NULL OR v.viewed_at >= $1) AND ($2::timestamptz IS NULL OR v.viewed_at < $2)"
            " AND ($3::text IS NULL OR v.camera_id = $3)"
            " ORDER BY v.viewed_at DESC, v.id DESC LIMIT $4",
            start,
            end,
            camera_id,
            limit,
        )
        return [(view_from_row(r), run_from_row({**dict(r), "id": r["run_id"]})) for r in rows]


# ---- the reports' patrol coverage ----------------------------------------------------------------------

# Views of the period's shifts, per shift: a shift is the 12 hours from 08:00 or 20:00 local time, named by the
# day it starts (hub.domain.patrol), so subtracting 08:00 from the local time gives its day and half.
_COVERAGE_BY_SHIFT = """
WITH v AS (
    SELECT pv.*, (pv.viewed_at AT TIME ZONE $3) - $4::interval AS since
    FROM patrol_views pv
    WHERE pv.viewed_at >= $1 AND pv.viewed_at < $2
)
SELECT since::date AS day, extract(hour FROM since) >= $5 AS night,
       count(*) AS views,
       count(DISTINCT v.camera_id) AS cameras,
       array_agg(DISTINCT v.camera_id ORDER BY v.camera_id) AS camera_ids,
       count(DISTINCT v.run_id) AS runs,
       array_agg(DISTINCT v.logged_by ORDER BY v.logged_by) AS staff,
       count(*) FILTER (WHERE outcome = 'checked') AS checked,
       count(*) FILTER (WHERE outcome = 'observation') AS observation,
       count(*) FILTER (WHERE outcome = 'warning_issued') AS warning_issued,
       count(*) FILTER (WHERE outcome = 'incident_opened') AS incident_opened
FROM v
GROUP BY 1, 2
"""

_COVERAGE_BY_CAMERA = """
WITH v AS (
    SELECT camera_id, viewed_at, (viewed_at AT TIME ZONE $3) - $4::interval AS since
    FROM patrol_views
    WHERE viewed_at >= $1 AND viewed_at < $2
)
SELECT camera_id, count(*) AS views,
       count(DISTINCT (since::date, extract(hour FROM since) >= $5)) AS shifts,
       max(viewed_at) AS last_viewed_at
FROM v
GROUP BY camera_id
"""


def patrol_cameras(district: District) -> list[str]:
    """The cameras the desk is expected to patrol: those on a tour, or every camera when there is no tour."""
    on_tours = {c for t in district.patrol_tours for c in t.cameras if c in district.devices}
    if on_tours:
        return [d.id for d in district.devices.values() if d.id in on_tours]
    return [d.id for d in district.devices.values() if d.kind == "camera"]


async def patrol_coverage(
    conn: asyncpg.pool.PoolConnectionProxy, district: District, period: Period, now: datetime
) -> PatrolCoverage:
    """Cameras checked per shift: the shifts starting on the period's days (and before `now`), each with the
    cameras viewed at least once in it (any outcome), the views per outcome and who patrolled."""
    zone = ZoneInfo(district.timezone)
    offset = timedelta(hours=SHIFT_DAY_START.hour, minutes=SHIFT_DAY_START.minute)
    start, end = period.start + offset, period.end + offset  # the first shift's start, the last one's end
    args = (start, end, district.timezone, offset, SHIFT_HOURS)
    by_shift = {
        (r["day"], Half.NIGHT if r["night"] else Half.DAY): r for r in await conn.fetch(_COVERAGE_BY_SHIFT, *args)
    }
    by_camera = {r["camera_id"]: r for r in await conn.fetch(_COVERAGE_BY_CAMERA, *args)}
    expected = patrol_cameras(district)
    expected_set = set(expected)
    shifts: list[ShiftCoverage] = []
    for shift in shifts_starting(period.first_day, period.last_day):
        shift_start = shift.start(district.timezone)
        if shift_start >= now:
            break  # not started yet: nothing to count
        row = by_shift.get((shift.day, shift.half))
        viewed = list(row["camera_ids"]) if row else []
        checked = sum(c in expected_set for c in viewed)
        shifts.append(
            ShiftCoverage(
                shift=shift.label,
                day=shift.day.isoformat(),
                half=shift.half,
                from_=shift_start.astimezone(zone).isoformat(),
                to=shift.end(district.timezone).astimezone(zone).isoformat(),
                cameras_checked=checked,
                cameras_expected=len(expected),
                coverage=share(checked, len(expected)),
                cameras_not_checked=[c for c in expected if c not in viewed],
                other_cameras=[c for c in viewed if c not in expected_set],
                views=row["views"] if row else 0,
                runs=row["runs"] if row else 0,
                by_outcome={o.value: (row[o.value] if row else 0) for o in Outcome},
                staff=list(row["staff"]) if row else [],
            )
        )
    cameras = []
    for camera_id in [*expected, *sorted(set(by_camera) - expected_set)]:
        device = district.devices.get(camera_id)
        row = by_camera.get(camera_id)
        cameras.append(
            CameraCoverage(
                camera_id=camera_id,
                label=device.label if device else camera_id,
                label_en=(device.label_en or None) if device else None,
                site_id=device.site_id if device else None,
                expected=camera_id in expected_set,
                views=row["views"] if row else 0,
                shifts_checked=row["shifts"] if row else 0,
                shift_coverage=share(row["shifts"] if row else 0, len(shifts)),
                last_viewed_at=row["last_viewed_at"].astimezone(zone).isoformat() if row else None,
            )
        )
    return PatrolCoverage(
        shift_rule="fixed halves: day 08:00-20:00, night 20:00-08:00 (district time), named by the day they start",
        summary=PatrolSummary(
            shifts=len(shifts),
            shifts_patrolled=sum(bool(s.views) for s in shifts),
            shifts_fully_covered=sum(s.cameras_checked == len(expected) and bool(expected) for s in shifts),
            cameras_expected=len(expected),
            mean_coverage=_mean([s.coverage for s in shifts]),
            views=sum(s.views for s in shifts),
            runs=sum(s.runs for s in shifts),
            by_outcome={o.value: sum(s.by_outcome[o.value] for s in shifts) for o in Outcome},
        ),
        shifts=shifts,
        cameras=cameras,
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
