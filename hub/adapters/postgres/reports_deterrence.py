"""The report's deterrence rate (hub.domain.talkdown): warnings that ended an intrusion, and warnings that did not.

Cohort: the report's incidents (first event in the period, test incidents left out) that got a talk-down verdict
(timeline `talkdown_deterred` or `talkdown_failed`); an incident counts once, by its first verdict (the firmer
message after a failed talk-down gets none). Rate = deterred / verdicts, per site and calendar month (the
district's time zone, by the incident's first event), and in total.
"""

from __future__ import annotations

import asyncpg

from hub.adapters.postgres.site_names import site_names
from hub.domain.district import District
from hub.domain.reports import Period, share
from hub.services.views.report_sections import Deterrence, DeterrenceFigures, SiteMonthDeterrence

_BY_SITE_AND_MONTH = """
SELECT i.site_id,
       to_char(i.created_at AT TIME ZONE $3, 'YYYY-MM') AS month,
       count(*) FILTER (WHERE v.code = 'talkdown_deterred') AS deterred,
       count(*) FILTER (WHERE v.code = 'talkdown_failed') AS not_deterred
FROM incidents i
JOIN LATERAL (
    SELECT t.reason_code AS code FROM incident_timeline t
    WHERE t.incident_id = i.id AND t.reason_code IN ('talkdown_deterred', 'talkdown_failed')
    ORDER BY t.at, t.id LIMIT 1
) v ON true
WHERE i.created_at >= $1 AND i.created_at < $2 AND NOT i.test
GROUP BY 1, 2
"""


def _figures(deterred: int, not_deterred: int) -> DeterrenceFigures:
    return DeterrenceFigures(
        warned=deterred + not_deterred,
        deterred=deterred,
        not_deterred=not_deterred,
        deterred_share=share(deterred, deterred + not_deterred),
    )


async def deterrence(conn: asyncpg.pool.PoolConnectionProxy, district: District, period: Period) -> Deterrence:
    """Totals and one row per site and month that had a talk-down verdict in the period."""
    rows = await conn.fetch(_BY_SITE_AND_MONTH, period.start, period.end, district.timezone)
    out = []
    deterred = not_deterred = 0
    for row in sorted(rows, key=lambda r: (r["site_id"], r["month"])):
        deterred += row["deterred"]
        not_deterred += row["not_deterred"]
        out.append(
            SiteMonthDeterrence(
                **dict(site_names(district, row["site_id"])),
                month=row["month"],
                **dict(_figures(row["deterred"], row["not_deterred"])),
            )
        )
    return Deterrence(totals=_figures(deterred, not_deterred), sites=out)
