"""Supervisors' reports from the append-only tables, computed in SQL (see hub.domain.reports for the
definitions every figure keeps).

One report is a handful of statements on one connection inside a REPEATABLE READ read-only
transaction, so every section sees the same snapshot:

* response times, escalations and false alarms per grid, officer and site and for the district
  (`percentile_cont` under GROUPING SETS over the period's incidents);
* incidents per kind, priority and disposition for the same groups;
* loudspeaker warnings per site and per officer; dispatches offered, declined and timed out per officer;
* drills and device availability (hub/adapters/postgres/reports_devices.py);
* patrol log coverage: cameras checked per duty shift (hub/adapters/postgres/patrol.py).

Migration 007 adds the indexes these need on a year of history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from hub.adapters.postgres.patrol import patrol_coverage
from hub.adapters.postgres.reports_deterrence import deterrence
from hub.adapters.postgres.reports_devices import availability, drills, rounded_s
from hub.adapters.postgres.reports_steps import step_compliance
from hub.adapters.postgres.reports_verification import video_verification
from hub.domain.district import District
from hub.domain.reports import DEFINITIONS, Period, share
from hub.services.views.reports import (
    Definition,
    DispatchCounts,
    GridNames,
    GridRow,
    OfficerRow,
    Report,
    ReportDistrict,
    ReportPeriod,
    ReportStats,
    ResponseStep,
    ResponseTarget,
    SiteRow,
)

Groups = dict[tuple[str, str | None], ReportStats]

# The period's incidents (test ones too: counted apart), each with its site's grid, its priority's
# targets and the officer whose dispatch was accepted. $1 start, $2 end, $3 the report's time.
_COHORT = """
sites AS (
    SELECT * FROM unnest($4::text[], $5::text[]) AS s(site_id, grid_id)
), targets AS (
    SELECT * FROM unnest($6::int[], $7::int[], $8::int[], $9::int[]) AS t(priority, ack_s, accept_s, arrival_s)
), accepted AS (
    SELECT i.id, i.site_id, s.grid_id, i.kind, i.priority, i.test, i.disposition, i.state,
           i.escalation_count, i.arrival_overdue_at, i.created_at, i.acknowledged_at, i.dispatched_at,
           i.accepted_at, i.on_scene_at, coalesce(i.resolved_at, i.cancelled_at, $3) AS closed_or_now,
           t.ack_s, t.accept_s, t.arrival_s,
           (SELECT d.officer_id FROM dispatches d
             WHERE d.incident_id = i.id AND d.offered_at <= i.accepted_at
             ORDER BY d.offered_at DESC, d.id DESC LIMIT 1) AS officer_id
    FROM incidents i
    LEFT JOIN sites s ON s.site_id = i.site_id
    JOIN targets t ON t.priority = i.priority
    WHERE i.created_at >= $1 AND i.created_at < $2
), cohort AS (
    -- responder: the officer who accepted; '' for dispatched and never accepted (无人接警); NULL when never
    -- dispatched (no officer's figure at all).
    SELECT a.*, CASE WHEN a.officer_id IS NOT NULL THEN a.officer_id
                     WHEN a.accepted_at IS NULL AND a.dispatched_at IS NOT NULL THEN '' END AS responder
    FROM accepted a
)"""

_RESPONSE = f"""
WITH {_COHORT}, measured AS (
    SELECT c.*,
           extract(epoch FROM acknowledged_at - created_at)::float8 AS to_ack,
           extract(epoch FROM accepted_at - created_at)::float8 AS to_accept,
           extract(epoch FROM on_scene_at - created_at)::float8 AS to_arrive,
           CASE WHEN acknowledged_at IS NOT NULL THEN acknowledged_at - created_at <= make_interval(secs => ack_s)
                WHEN closed_or_now - created_at > make_interval(secs => ack_s) THEN false END AS ack_ok,
           CASE WHEN dispatched_at IS NULL THEN NULL
                WHEN accepted_at IS NOT NULL THEN accepted_at - dispatched_at <= make_interval(secs => accept_s)
                WHEN closed_or_now - dispatched_at > make_interval(secs => accept_s) THEN false END AS accept_ok,
           CASE WHEN dispatched_at IS NULL THEN NULL
                WHEN on_scene_at IS NOT NULL THEN on_scene_at - created_at <= make_interval(secs => arrival_s)
                WHEN closed_or_now - created_at > make_interval(secs => arrival_s) THEN false END AS arrive_ok
    FROM cohort c
    WHERE NOT c.test
)
SELECT grouping(grid_id) = 0 AS by_grid, grouping(responder) = 0 AS by_officer,
       grouping(site_id) = 0 AS by_site, grid_id, responder, site_id,
       count(*) AS incidents,
       count(to_ack) AS ack_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ack) AS ack_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ack) AS ack_p90,
       count(ack_ok) AS ack_due, count(*) FILTER (WHERE ack_ok) AS ack_within,
       count(to_accept) AS accept_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_accept) AS accept_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_accept) AS accept_p90,
       count(accept_ok) AS accept_due, count(*) FILTER (WHERE accept_ok) AS accept_within,
       count(to_arrive) AS arrive_n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_arrive) AS arrive_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_arrive) AS arrive_p90,
       count(arrive_ok) AS arrive_due, count(*) FILTER (WHERE arrive_ok) AS arrive_within,
       count(*) FILTER (WHERE escalation_count > 0) AS escalated_incidents,
       coalesce(sum(escalation_count), 0)::int AS escalations,
       count(arrival_overdue_at) AS arrival_overdue,
       count(*) FILTER (WHERE state = 'resolved') AS resolved,
       count(*) FILTER (WHERE state = 'resolved' AND disposition = 'false_alarm') AS false_alarms
FROM measured
GROUP BY GROUPING SETS ((grid_id), (responder), (site_id), ())
"""

# Incidents per kind, priority and disposition (`open` while there is none yet) for the same groups,
# and the test incidents left out of everything else.
_BREAKDOWN = f"""
WITH {_COHORT}
SELECT grouping(grid_id) = 0 AS by_grid, grouping(responder) = 0 AS by_officer,
       grouping(site_id) = 0 AS by_site, grid_id, responder, site_id, x.dimension, x.value, count(*) AS n
FROM cohort c
CROSS JOIN LATERAL (
    VALUES ('kind', CASE WHEN NOT c.test THEN c.kind END),
           ('priority', CASE WHEN NOT c.test THEN 'P' || c.priority END),
           ('disposition', CASE WHEN NOT c.test THEN coalesce(c.disposition, 'open') END),
           ('test', CASE WHEN c.test THEN 'test' END)
) AS x(dimension, value)
WHERE x.value IS NOT NULL
GROUP BY GROUPING SETS ((x.dimension, x.value, grid_id), (x.dimension, x.value, responder),
                        (x.dimension, x.value, site_id), (x.dimension, x.value))
"""

# Dispatches of the period's incidents per officer, and warnings on the incidents each officer accepted.
_OFFICERS = f"""
WITH {_COHORT}
SELECT d.officer_id, 'offered' AS what, count(*) AS n FROM dispatches d JOIN cohort c ON c.id = d.incident_id
 WHERE NOT c.test GROUP BY d.officer_id
UNION ALL
SELECT d.officer_id, d.state, count(*) FROM dispatches d JOIN cohort c ON c.id = d.incident_id
 WHERE NOT c.test AND d.state IN ('declined', 'timed_out') GROUP BY d.officer_id, d.state
UNION ALL
SELECT c.officer_id, 'warnings', count(*) FROM warnings w JOIN cohort c ON c.id = w.incident_id
 WHERE NOT c.test AND c.officer_id IS NOT NULL AND w.created_at >= $1 AND w.created_at < $2 GROUP BY c.officer_id
"""

_WARNINGS_BY_SITE = """
SELECT site_id, count(*) AS warnings, count(*) FILTER (WHERE rule_id IS NOT NULL) AS automatic
FROM warnings WHERE created_at >= $1 AND created_at < $2
GROUP BY site_id
"""

_STEPS = ("ack", "accept", "arrive")


def _group_key(row: asyncpg.Record) -> tuple[str, str | None]:
    if row["by_grid"]:
        return "grid", row["grid_id"]
    if row["by_officer"]:
        # '' is "dispatched, nobody accepted" (the officers table's last row); NULL never dispatched (no row).
        responder = row["responder"]
        return ("officer", responder or None) if responder is not None else ("undispatched", None)
    if row["by_site"]:
        return "site", row["site_id"]
    return "total", None


class PostgresReports:
    """Builds the report for a period (see `build`)."""

    def __init__(self, pool: asyncpg.Pool, district: District) -> None:
        self._pool = pool
        self._district = district
        self._zone = ZoneInfo(district.timezone)

    def _cohort_args(self, period: Period, now: datetime) -> list[Any]:
        d = self._district
        targets = sorted(d.targets.items())
        return [
            period.start,
            period.end,
            now,
            [s.id for s in d.sites.values()],
            [s.grid_id for s in d.sites.values()],
            [int(p) for p, _ in targets],
            [t.ack_s for _, t in targets],
            [t.accept_s for _, t in targets],
            [t.arrival_s for _, t in targets],
        ]

    async def build(self, period: Period, now: datetime) -> Report:
        """The report of `period` as the district's supervisors read it, figures as of `now`."""
        d = self._district
        window_end = min(period.end, max(now, period.start))
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            args = self._cohort_args(period, now)
            response = await conn.fetch(_RESPONSE, *args)
            breakdown = await conn.fetch(_BREAKDOWN, *args)
            officers = await conn.fetch(_OFFICERS, *args)
            warnings = await conn.fetch(_WARNINGS_BY_SITE, period.start, period.end)
            drill_figures = await drills(conn, d, self._zone, period)
            availability_figures = await availability(conn, d, self._zone, period.start, window_end)
            patrol = await patrol_coverage(conn, d, period, now)
            verification = await video_verification(conn, d, period)
            steps = await step_compliance(conn, d, period)
            deterred = await deterrence(conn, d, period)
        groups, dispatches = self._groups(response, breakdown, officers, warnings)
        return Report(
            district=ReportDistrict(id=d.id, name=d.name, name_en=d.name_en or d.name, timezone=d.timezone),
            period=ReportPeriod(
                kind=period.kind.value,
                label=period.label,
                from_=period.start.isoformat(),
                to=period.end.isoformat(),
                first_day=period.first_day.isoformat(),
                last_day=period.last_day.isoformat(),
                days=period.days,
                query=period.query(),
            ),
            generated_at=now.astimezone(self._zone).isoformat(),
            targets=[
                ResponseTarget(priority=int(p), ack_s=t.ack_s, accept_s=t.accept_s, arrival_s=t.arrival_s)
                for p, t in sorted(d.targets.items())
            ],
            totals=groups[("total", None)],
            grids=self._grid_rows(groups),
            officers=self._officer_rows(groups, dispatches),
            sites=self._site_rows(groups),
            drills=drill_figures,
            availability=availability_figures,
            patrol_coverage=patrol,
            definitions=[Definition(figure=x.figure, zh=x.zh, en=x.en) for x in DEFINITIONS],
            video_verification=verification,
            step_compliance=steps,
            deterrence=deterred,
            sections_not_available=[],
        )

    # ---- response times and counts per group ---------------------------------------------------------

    def _groups(
        self,
        response: list[asyncpg.Record],
        breakdown: list[asyncpg.Record],
        officers: list[asyncpg.Record],
        warnings: list[asyncpg.Record],
    ) -> tuple[Groups, dict[str, DispatchCounts]]:
        """Each group's figures, and the dispatches offered to each officer."""
        groups: Groups = {("total", None): ReportStats()}
        dispatches: dict[str, DispatchCounts] = {}

        def group(key: tuple[str, str | None]) -> ReportStats:
            return groups.setdefault(key, ReportStats())

        for row in response:
            stats = group(_group_key(row))
            stats.incidents = row["incidents"]
            for step in _STEPS:
                figures = ResponseStep(
                    n=row[f"{step}_n"],
                    median_s=rounded_s(row[f"{step}_median"]),
                    p90_s=rounded_s(row[f"{step}_p90"]),
                    due=row[f"{step}_due"],
                    within=row[f"{step}_within"],
                    share_within=share(row[f"{step}_within"], row[f"{step}_due"]),
                )
                setattr(stats, step, figures)
            for name in ("escalated_incidents", "escalations", "arrival_overdue", "resolved", "false_alarms"):
                setattr(stats, name, row[name])
            stats.false_alarm_rate = share(row["false_alarms"], row["resolved"])
        for row in breakdown:
            if row["dimension"] == "test" and row["by_officer"]:
                continue  # never dispatched: no officer's figures
            stats = group(_group_key(row))
            if row["dimension"] == "test":
                stats.test_incidents = row["n"]
            else:
                getattr(stats, f"by_{row['dimension']}")[row["value"]] = row["n"]
        for stats in groups.values():
            for name in ("by_kind", "by_priority", "by_disposition"):
                counts: dict[str, int] = getattr(stats, name)
                setattr(stats, name, dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))))
        for row in warnings:
            site = self._district.sites.get(row["site_id"])
            group(("site", row["site_id"])).warnings += row["warnings"]
            group(("grid", site.grid_id if site else None)).warnings += row["warnings"]
            groups[("total", None)].warnings += row["warnings"]
        for row in officers:
            stats = group(("officer", row["officer_id"]))
            if row["what"] == "warnings":
                stats.warnings = row["n"]
            else:
                setattr(dispatches.setdefault(row["officer_id"], DispatchCounts()), row["what"], row["n"])
        return groups, dispatches

    def _grid_rows(self, groups: Groups) -> list[GridRow]:
        d = self._district
        rows = []
        for grid in d.grids.values():
            officer = d.officers.get(grid.officer_id) if grid.officer_id else None
            rows.append(
                GridRow(
                    id=grid.id,
                    name=grid.name,
                    name_en=grid.name_en or None,
                    officer_id=grid.officer_id,
                    officer_name=officer.name if officer else None,
                    officer_name_en=(officer.name_en or None) if officer else None,
                    site_ids=[s.id for s in d.sites.values() if s.grid_id == grid.id],
                    **dict(groups.get(("grid", grid.id), ReportStats())),
                )
            )
        if ("grid", None) in groups:  # incidents of sites no longer in the district file
            nameless: dict[str, Any] = dict.fromkeys(GridNames.model_fields)
            rows.append(GridRow(**{**nameless, "site_ids": [], **dict(groups[("grid", None)])}))
        return rows

    def _officer_rows(self, groups: Groups, dispatches: dict[str, DispatchCounts]) -> list[OfficerRow]:
        d = self._district
        known = list(d.officers)
        others = sorted(k for kind, k in groups if kind == "officer" and k is not None and k not in d.officers)
        rows = []
        for officer_id in [*known, *others, None]:
            key = ("officer", officer_id)
            if officer_id is None and key not in groups:
                continue
            officer = d.officers.get(officer_id) if officer_id else None
            rows.append(
                OfficerRow(
                    id=officer_id,
                    name=officer.name if officer else officer_id,
                    name_en=(officer.name_en or None) if officer else None,
                    role=officer.role if officer else None,
                    grid_id=officer.grid_id if officer else None,
                    **dict(groups.get(key, ReportStats())),
                    dispatches=(dispatches.get(officer_id) if officer_id else None) or DispatchCounts(),
                )
            )
        return rows

    def _site_rows(self, groups: Groups) -> list[SiteRow]:
        d = self._district
        rows = [
            SiteRow(
                id=site.id,
                name=site.name,
                name_en=site.name_en,
                kind=site.kind,
                grid_id=site.grid_id,
                test_mode=site.test_mode,
                **dict(groups.get(("site", site.id), ReportStats())),
            )
            for site in d.sites.values()
        ]
        for kind, site_id in sorted(k for k in groups if k[0] == "site" and k[1] not in d.sites):
            assert site_id is not None  # a site's incidents always have one
            rows.append(
                SiteRow(
                    id=site_id,
                    name=site_id,
                    name_en=site_id,
                    kind=None,
                    grid_id=None,
                    test_mode=False,
                    **dict(groups[(kind, site_id)]),
                )
            )
        return rows
