"""The report's press-to-video-verification figures (hub.domain.verification).

Cohort: the report's (incidents whose first event falls in the period, test incidents left out) that asked the
site's cameras for video (timeline `verification_requested`). Time to verification: from the first event
(`created_at`) to the first camera's answer (timeline `video_verified`); median and 90th percentile continuous,
over the incidents that got one. Within target: answered within `VERIFICATION_TARGET_S` of the first event.
"""

from __future__ import annotations

import asyncpg

from hub.adapters.postgres.site_names import site_names
from hub.domain.district import District
from hub.domain.reports import Period, percentile, share
from hub.services.views.report_sections import VerificationFigures, VerificationSite, VideoVerification

VERIFICATION_TARGET_S = 10.0

_BY_SITE = """
SELECT i.site_id,
       count(*) AS requested,
       coalesce(array_agg(extract(epoch FROM v.first_at - i.created_at)::float8)
                FILTER (WHERE v.first_at IS NOT NULL), '{}') AS seconds
FROM incidents i
LEFT JOIN LATERAL (
    SELECT min(t.at) AS first_at FROM incident_timeline t WHERE t.incident_id = i.id AND t.action = 'video_verified'
) v ON true
WHERE i.created_at >= $1 AND i.created_at < $2 AND NOT i.test
  AND EXISTS (SELECT 1 FROM incident_timeline r WHERE r.incident_id = i.id AND r.action = 'verification_requested')
GROUP BY i.site_id
"""


def _figures(requested: int, seconds: list[float]) -> VerificationFigures:
    within = sum(s <= VERIFICATION_TARGET_S for s in seconds)
    return VerificationFigures(
        requested=requested,
        verified=len(seconds),
        verified_share=share(len(seconds), requested),
        median_s=percentile(seconds, 0.5),
        p90_s=percentile(seconds, 0.9),
        within_target=within,
        within_target_share=share(within, requested),
    )


async def video_verification(
    conn: asyncpg.pool.PoolConnectionProxy, district: District, period: Period
) -> VideoVerification:
    """Totals and one row per site that asked for video in the period."""
    rows = await conn.fetch(_BY_SITE, period.start, period.end)
    sites = []
    every: list[float] = []
    requested = 0
    for row in sorted(rows, key=lambda r: r["site_id"]):
        seconds = list(row["seconds"])
        every += seconds
        requested += row["requested"]
        sites.append(
            VerificationSite(**dict(site_names(district, row["site_id"])), **dict(_figures(row["requested"], seconds)))
        )
    return VideoVerification(target_s=VERIFICATION_TARGET_S, totals=_figures(requested, every), sites=sites)
