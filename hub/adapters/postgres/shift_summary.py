"""The duty desk's shift summary (hub.domain.shifts picks the shift): what the shift saw and what it hands over.

In one REPEATABLE READ read-only transaction, for the shift's span [start, min(end, now)):
* incidents opened in the span by kind and outcome as of now (open, cancelled, or the resolved disposition);
  test incidents counted apart;
* deterred by warning: the talk-down verdicts `talkdown_deterred` given in the span (an incident once, by its
  first), with the site and the times, whether or not the incident was closed by itself (`auto_close`);
* handed over: incidents open at the shift's end (for the shift still running, now), whenever they opened.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from hub.domain.district import District
from hub.domain.shifts import DeskShift, desk_shift
from hub.services.views import shift_summary as v

_BY_KIND = """
SELECT kind, test,
       CASE state WHEN 'resolved' THEN coalesce(disposition, 'other') WHEN 'cancelled' THEN 'cancelled'
                  ELSE 'open' END AS outcome,
       count(*) AS n
FROM incidents WHERE created_at >= $1 AND created_at < $2
GROUP BY 1, 2, 3
"""

_DETERRED = """
SELECT DISTINCT ON (i.id) i.id, i.site_id, i.kind, i.created_at, i.state, t.at AS verdict_at,
       t.reason_params AS params
FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id
WHERE t.reason_code = 'talkdown_deterred' AND t.at >= $1 AND t.at < $2 AND NOT i.test
ORDER BY i.id, t.at, t.id
"""

# Open at $1: opened before it and not closed by then.
_HANDED_OVER = """
SELECT id, site_id, kind, priority, state, created_at, acknowledged_at <= $1 AS acknowledged,
       coalesce(resolved_at, cancelled_at) AS closed_at
FROM incidents
WHERE NOT test AND created_at < $1 AND coalesce(resolved_at, cancelled_at, 'infinity') > $1
ORDER BY priority, created_at, id
LIMIT $2
"""
HANDED_OVER_LIMIT = 500


class PostgresShiftSummary:
    def __init__(self, pool: asyncpg.Pool, district: District) -> None:
        self._pool = pool
        self._district = district

    def shift(self, previous: bool, now: datetime) -> tuple[DeskShift, datetime, datetime]:
        """The desk shift (current or previous) as of `now`, with its start and end as aware datetimes."""
        zone = ZoneInfo(self._district.timezone)
        shift = desk_shift(self._district.shifts, now.astimezone(zone).replace(tzinfo=None), previous)
        return shift, shift.start.replace(tzinfo=zone), shift.end.replace(tzinfo=zone)

    async def build(self, previous: bool, now: datetime) -> v.ShiftSummary:
        shift, start, end = self.shift(previous, now)
        until = min(end, now)
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            by_kind = await conn.fetch(_BY_KIND, start, until)
            deterred = await conn.fetch(_DETERRED, start, until)
            handed = await conn.fetch(_HANDED_OVER, until, HANDED_OVER_LIMIT)
        kinds: dict[str, v.KindOutcomes] = {}
        tests = 0
        for row in by_kind:
            if row["test"]:
                tests += row["n"]
                continue
            kind = kinds.setdefault(row["kind"], v.KindOutcomes(kind=row["kind"], total=0, outcomes={}))
            kind.total += row["n"]
            kind.outcomes[row["outcome"]] = row["n"]
        return v.ShiftSummary(
            shift=v.ShiftSpan(
                which="previous" if previous else "current",
                seat=shift.seat,
                seat_en=shift.seat_en,
                start=start,
                end=end,
                until=until,
                complete=end <= now,
            ),
            as_of=now,
            totals=v.ShiftTotals(
                incidents=sum(k.total for k in kinds.values()),
                test_incidents=tests,
                deterred=len(deterred),
                handed_over=len(handed),
            ),
            by_kind=sorted(kinds.values(), key=lambda k: (-k.total, k.kind)),
            deterred=sorted((self._deterred(r) for r in deterred), key=lambda d: (d.verdict_at, d.incident_id)),
            handed_over=[self._handed_over(r) for r in handed],
        )

    def _site(self, site_id: str) -> dict[str, str]:
        site = self._district.sites.get(site_id)
        name = site.name if site else site_id
        return {"site_id": site_id, "site_name": name, "site_name_en": (site.name_en if site else "") or name}

    def _deterred(self, row: asyncpg.Record) -> v.Deterred:
        params = row["params"] or {}
        return v.Deterred.model_validate(
            {
                "incident_id": row["id"],
                **self._site(row["site_id"]),
                "kind": row["kind"],
                "opened_at": row["created_at"],
                "verdict_at": row["verdict_at"],
                "window_s": params.get("seconds"),
                "before_snapshot": params.get("before"),
                "after_snapshot": params.get("after"),
                "closed": row["state"] in ("resolved", "cancelled"),
            }
        )

    def _handed_over(self, row: asyncpg.Record) -> v.HandedOver:
        return v.HandedOver.model_validate(
            {
                "incident_id": row["id"],
                **self._site(row["site_id"]),
                "kind": row["kind"],
                "priority": row["priority"],
                "state": row["state"],
                "opened_at": row["created_at"],
                "acknowledged": bool(row["acknowledged"]),
                "closed_at": row["closed_at"],
            }
        )
