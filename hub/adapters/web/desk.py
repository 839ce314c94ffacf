"""Read-only resources the duty desk's console needs beside incidents: the district (response
targets per priority, grids) and the health of every device."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import json_ok
from hub.adapters.web.models import registry as r
from hub.adapters.web.operations import documented
from hub.domain.district import Device, District
from hub.services.views.devices import DeviceStatus


def district_view(district: District) -> r.District:
    sites_of: dict[str, list[str]] = {grid_id: [] for grid_id in district.grids}
    for site in district.sites.values():
        sites_of.setdefault(site.grid_id, []).append(site.id)
    return r.District(
        id=district.id,
        name=district.name,
        name_en=district.name_en or district.name,
        timezone=district.timezone,
        targets=[
            r.Target(priority=int(priority), ack_s=t.ack_s, accept_s=t.accept_s, arrival_s=t.arrival_s)
            for priority, t in sorted(district.targets.items())
        ],
        auto_dispatch=sorted(int(p) for p in district.auto_dispatch),
        grids=[
            r.Grid(
                id=grid.id,
                name=grid.name,
                name_en=grid.name_en or grid.name,
                officer_id=grid.officer_id,
                assistant_ids=list(grid.assistant_ids),
                site_ids=sites_of.get(grid.id, []),
            )
            for grid in district.grids.values()
        ],
    )


def district_json(district: District) -> dict[str, Any]:
    return district_view(district).dump()


@documented("getDistrict", "The district: response targets per priority, grids and their officers", {200: r.District})
async def district(request: web.Request) -> web.Response:
    """The district: response targets per priority (the console's clocks), grids and their teams."""
    return json_ok(district_json(request.app[SERVICES].district))


def _device_health(device: Device, health: DeviceStatus | None) -> r.DeviceHealth:
    heard = health is not None and health.heard
    online = health.online if health else None
    battery = None
    if health:
        battery = health.battery if health.battery is not None else health.status_battery
    open_faults = list(health.open_faults) if health else []
    low_battery = bool(health and health.low_battery)
    faults: list[r.Fault] = []
    if not heard:
        faults.append("never_heard")
    if online is False:
        faults.append("offline")
    if health and health.status_state == "offline" and online is not False:
        faults.append("reported_offline")  # said goodbye (Last Will or clean stop); inside its grace
    if low_battery:
        faults.append("low_battery")
    if any(f.type == "tamper" for f in open_faults):
        faults.append("tamper")
    return r.DeviceHealth(
        id=device.id,
        site_id=device.site_id,
        kind=device.kind,
        label=device.label,
        report_interval_s=device.report_interval_s,
        state="offline" if online is False else "online" if heard else "never_heard",
        heard=heard,
        online=online,
        last_seen_at=health.last_seen_at if heard and health else None,
        offline_since=health.offline_since if health else None,
        deadline_at=health.deadline_at if health else None,
        battery=battery,
        low_battery=low_battery,
        rssi=health.rssi if health else None,
        firmware=health.firmware if health else None,
        status_state=health.status_state if health else None,
        status_reported_at=health.status_reported_at if health else None,
        faults=faults,
        open_faults=open_faults,
    )


@documented(
    "deviceHealth",
    "Every registered device with online/offline, last seen, battery and open faults",
    {200: r.DeviceHealthList},
)
async def device_health(request: web.Request) -> web.Response:
    """Every registered device (in registry order) with its health, and totals for the header."""
    services = request.app[SERVICES]
    known = {row.device_id: row for row in await services.queries.device_health()}
    devices = [_device_health(device, known.get(device.id)) for device in services.district.devices.values()]
    summary = r.HealthSummary(
        total=len(devices),
        online=sum(d.state == "online" for d in devices),
        offline=sum(d.state == "offline" for d in devices),
        never_heard=sum(d.state == "never_heard" for d in devices),
        low_battery=sum(d.low_battery for d in devices),
        with_faults=sum(bool(d.faults) for d in devices),
    )
    return json_ok(r.DeviceHealthList(summary=summary, devices=devices).dump())
