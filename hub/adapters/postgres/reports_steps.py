"""The report's guided-response figures (hub.domain.steps): step compliance per desk seat.

Cohort: the report's incidents (first event in the period, test incidents left out) that were resolved and whose
plan in the district file has required steps. Desk seat: who resolved it (the timeline's `resolve` actor). Per
seat: required steps due and done (marked by anyone, by hand or by what the hub saw), compliance = done / due,
and the incidents resolved with a required step open (a reason given).
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg

from hub.domain.district import District
from hub.domain.reports import Period, share
from hub.domain.steps import open_required, steps_for
from hub.services.views.report_sections import ComplianceFigures, SeatCompliance, StepCompliance

_RESOLVED = """
SELECT i.id, i.site_id, i.kind,
       (SELECT t.actor FROM incident_timeline t WHERE t.incident_id = i.id AND t.action = 'resolve'
        ORDER BY t.at DESC, t.id DESC LIMIT 1) AS seat,
       ARRAY(SELECT s.step_id FROM incident_steps s WHERE s.incident_id = i.id) AS done
FROM incidents i
WHERE i.created_at >= $1 AND i.created_at < $2 AND NOT i.test AND i.state = 'resolved'
"""


def _figures(due: int, done: int, incidents: int, left_open: int) -> ComplianceFigures:
    return ComplianceFigures(
        incidents=incidents,
        required_due=due,
        required_done=done,
        compliance=share(done, due),
        resolved_with_open_steps=left_open,
    )


async def step_compliance(conn: asyncpg.pool.PoolConnectionProxy, district: District, period: Period) -> StepCompliance:
    """Totals and one row per desk seat; empty when the district file has no response steps."""
    if not district.response_steps:
        return StepCompliance(totals=_figures(0, 0, 0, 0), seats=[])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # due, done, incidents, left open
    for row in await conn.fetch(_RESOLVED, period.start, period.end):
        site = district.sites.get(row["site_id"])
        required = [s for s in steps_for(district.response_steps, row["kind"], site.kind if site else "") if s.required]
        if not required:
            continue
        missing = open_required(required, set(row["done"]))
        seat = counts[row["seat"] or "system"]
        seat[0] += len(required)
        seat[1] += len(required) - len(missing)
        seat[2] += 1
        seat[3] += bool(missing)
    seats = [SeatCompliance(seat=seat, **dict(_figures(*values))) for seat, values in sorted(counts.items())]
    totals = [sum(values[n] for values in counts.values()) for n in range(4)]
    return StepCompliance(totals=_figures(*totals), seats=seats)
