"""The drills and equipment sections of a supervisors' report: button test presses per device and site, and
device availability (outages from supervision's `offline`/`online` events, clipped to the period)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from hub.domain.district import District
from hub.domain.reports import Period
from hub.services.views.report_sections import (
    Availability,
    AvailabilitySummary,
    AvailabilityWindow,
    DeviceAvailability,
    DrillButton,
    Drills,
    DrillSite,
    DrillSummary,
    KindAvailability,
)

_TEST_PRESSES = """
SELECT device_id, count(*) AS presses, min(received_at) AS first_at, max(received_at) AS last_at
FROM events
WHERE type = 'test' AND received_at >= $1 AND received_at < $2 AND device_id = ANY($3::text[])
GROUP BY device_id
"""

# Outages within [$1, $2) per device: the state each device enters the window in (its last
# supervision event before it), then its changes inside; repeated states are dropped; each offline
# span is clipped to the window. `ongoing`: still offline at the window's end.
_AVAILABILITY = """
WITH devices AS (
    SELECT unnest($3::text[]) AS device_id
), changes AS (
    SELECT d.device_id, before.at, before.online
    FROM devices d
    CROSS JOIN LATERAL (
        SELECT e.occurred_at AS at, e.type = 'online' AS online FROM events e
        WHERE e.device_id = d.device_id AND e.type IN ('offline', 'online') AND e.occurred_at < $1
        ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1
    ) before
    UNION ALL
    SELECT e.device_id, e.occurred_at, e.type = 'online' FROM events e
    WHERE e.type IN ('offline', 'online') AND e.occurred_at >= $1 AND e.occurred_at < $2
      AND e.device_id = ANY($3::text[])
), flips AS (
    SELECT device_id, at, online,
           lag(online) OVER (PARTITION BY device_id ORDER BY at) AS previous
    FROM changes
), spans AS (
    SELECT device_id, at AS down_at, online,
           lead(at) OVER (PARTITION BY device_id ORDER BY at) AS up_at
    FROM flips WHERE previous IS DISTINCT FROM online
), outages AS (
    SELECT device_id, greatest(down_at, $1) AS from_at, least(coalesce(up_at, $2), $2) AS to_at,
           up_at IS NULL AS ongoing
    FROM spans WHERE NOT online
)
SELECT device_id, count(*) AS outages,
       sum(extract(epoch FROM to_at - from_at))::float8 AS down_s,
       max(extract(epoch FROM to_at - from_at))::float8 AS longest_s,
       (array_agg(from_at ORDER BY to_at - from_at DESC, from_at))[1] AS longest_from,
       bool_or(ongoing) AS ongoing
FROM outages WHERE to_at > from_at
GROUP BY device_id
"""

_HEALTH = """
SELECT device_id, online, last_seen_at, offline_since FROM device_health WHERE device_id = ANY($1::text[])
"""


def local_iso(value: datetime | None, zone: ZoneInfo) -> str | None:
    """Times in the district's time zone (what the supervisors' clocks say), with the offset."""
    return value.astimezone(zone).isoformat() if value is not None else None


def rounded_s(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


async def drills(conn: asyncpg.pool.PoolConnectionProxy, d: District, zone: ZoneInfo, period: Period) -> Drills:
    """Button drills: a site passes when every one of its buttons sent a `test` press in the period."""
    buttons = [dev.id for dev in d.devices.values() if dev.kind == "button"]
    return _drills(d, zone, await conn.fetch(_TEST_PRESSES, period.start, period.end, buttons))


async def availability(
    conn: asyncpg.pool.PoolConnectionProxy, d: District, zone: ZoneInfo, start: datetime, end: datetime
) -> Availability:
    """Every device's uptime over [start, end) and its state now."""
    devices = list(d.devices)
    outages = await conn.fetch(_AVAILABILITY, start, end, devices)
    health = await conn.fetch(_HEALTH, devices)
    return _availability(d, zone, outages, health, start, end)


def _drills(d: District, zone: ZoneInfo, presses: list[asyncpg.Record]) -> Drills:
    by_device = {r["device_id"]: r for r in presses}
    sites = []
    for site in d.sites.values():
        buttons = [dev for dev in d.devices_at(site.id) if dev.kind == "button"]
        if not buttons:
            continue
        rows: list[DrillButton] = []
        for button in buttons:
            pressed = by_device.get(button.id)
            rows.append(
                DrillButton(
                    device_id=button.id,
                    label=button.label,
                    label_en=button.label_en or None,
                    passed=pressed is not None,
                    presses=pressed["presses"] if pressed else 0,
                    first_at=local_iso(pressed["first_at"], zone) if pressed else None,
                    last_at=local_iso(pressed["last_at"], zone) if pressed else None,
                )
            )
        tested = sum(r.passed for r in rows)
        sites.append(
            DrillSite(
                site_id=site.id,
                name=site.name,
                name_en=site.name_en,
                grid_id=site.grid_id,
                status="passed" if tested == len(rows) else "partial" if tested else "missing",
                buttons=len(rows),
                buttons_passed=tested,
                last_test_at=max((r.last_at for r in rows if r.last_at), default=None),
                devices=rows,
            )
        )
    return Drills(
        summary=DrillSummary(
            sites=len(sites),
            passed=sum(s.status == "passed" for s in sites),
            partial=sum(s.status == "partial" for s in sites),
            missing=sum(s.status == "missing" for s in sites),
        ),
        sites=sites,
    )


def _availability(
    d: District,
    zone: ZoneInfo,
    outages: list[asyncpg.Record],
    health: list[asyncpg.Record],
    start: datetime,
    end: datetime,
) -> Availability:
    window_s = max(0.0, (end - start).total_seconds())
    down = {r["device_id"]: r for r in outages}
    now_state = {r["device_id"]: r for r in health}
    devices: list[DeviceAvailability] = []
    for device in d.devices.values():
        o = down.get(device.id)
        h = now_state.get(device.id)
        down_s = float(o["down_s"]) if o else 0.0
        devices.append(
            DeviceAvailability(
                device_id=device.id,
                site_id=device.site_id,
                grid_id=d.sites[device.site_id].grid_id if device.site_id in d.sites else None,
                kind=device.kind,
                label=device.label,
                label_en=device.label_en or None,
                uptime_share=1 - down_s / window_s if window_s else None,
                downtime_s=rounded_s(down_s),
                outages=o["outages"] if o else 0,
                longest_outage_s=rounded_s(o["longest_s"]) if o else 0.0,
                longest_outage_from=local_iso(o["longest_from"], zone) if o else None,
                offline_at_end=bool(o["ongoing"]) if o else False,
                online_now=h["online"] if h else None,
                last_seen_at=local_iso(h["last_seen_at"], zone) if h else None,
            )
        )
    by_kind: dict[str, list[DeviceAvailability]] = {}
    for row in devices:
        by_kind.setdefault(row.kind, []).append(row)
    every = _kind_figures(devices)
    return Availability(
        window=AvailabilityWindow(
            from_=start.astimezone(zone).isoformat(), to=end.astimezone(zone).isoformat(), seconds=window_s
        ),
        summary=AvailabilitySummary(
            **dict(every), by_kind={kind: _kind_figures(rows) for kind, rows in by_kind.items()}
        ),
        devices=devices,
    )


def _kind_figures(devices: list[DeviceAvailability]) -> KindAvailability:
    return KindAvailability(
        devices=len(devices),
        with_outages=sum(r.outages > 0 for r in devices),
        uptime_share=_mean([r.uptime_share for r in devices]),
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None
