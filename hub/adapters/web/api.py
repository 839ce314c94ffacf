"""REST resources under /api/v1: incidents (from the read side) and the district registry."""

from __future__ import annotations

import re

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import BadRequest, NotFound, json_ok
from hub.adapters.web.models import incidents as m
from hub.adapters.web.models import registry as r
from hub.adapters.web.models.base import MAX_ID, read_query
from hub.adapters.web.operations import documented
from hub.domain.district import Device, District, Officer, Site
from hub.services.views.incidents import IncidentDetail

_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: str, what: str) -> int:
    """An id from a path: 1 to MAX_ID, else 400 invalid_id."""
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise BadRequest("invalid_id", f"{what} id must be a positive integer")
    return int(raw)


def parse_incident_id(raw: str) -> int:
    return parse_id(raw, "incident")


@documented(
    "listIncidents",
    "List incidents",
    {200: m.IncidentList, 400: "A bad `state` or `limit`."},
    query=m.IncidentListQuery,
)
async def list_incidents(request: web.Request) -> web.Response:
    query = read_query(request.query, m.IncidentListQuery)
    state = None if query.state == "all" else query.state
    incidents = await request.app[SERVICES].queries.list_incidents(state, query.limit)
    return json_ok(m.IncidentList(incidents=incidents).dump())


@documented(
    "getIncident",
    "One incident with its timeline, events, dispatches, warnings and media",
    {200: IncidentDetail, 400: "The id is not a positive integer.", 404: "No such incident."},
)
async def get_incident(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    incident = await incident_detail(request, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return json_ok(incident.dump())


async def incident_detail(request: web.Request, incident_id: int) -> IncidentDetail | None:
    """The incident with its timeline, events, dispatches, warnings, media and (guided response) steps."""
    incident = await request.app[SERVICES].queries.get_incident(incident_id)
    steps = request.app[SERVICES].steps
    if incident is not None and steps is not None:
        incident.steps = await steps.view(incident_id)
    return incident


def site_view(site: Site, device_ids: list[str]) -> r.Site:
    return r.Site(
        id=site.id,
        name=site.name,
        name_en=site.name_en,
        kind=site.kind,
        grid_id=site.grid_id,
        address=site.address,
        lat=site.lat,
        lon=site.lon,
        contact_name=site.contact_name,
        contact_phone=site.contact_phone,
        test_mode=site.test_mode,
        devices=device_ids,
    )


def device_view(device: Device) -> r.Device:
    return r.Device(
        id=device.id,
        site_id=device.site_id,
        kind=device.kind,
        label=device.label,
        label_en=device.label_en or device.label,
        zones=[r.Zone(id=z.id, name=z.name, name_en=z.name_en) for z in device.zones],
        report_interval_s=device.report_interval_s,
    )


def officer_view(officer: Officer) -> r.Officer:
    return r.Officer(
        id=officer.id,
        name=officer.name,
        name_en=officer.name_en or officer.name,
        role=officer.role,
        phone=officer.phone,
        grid_id=officer.grid_id,
    )


def site_views(district: District) -> list[r.Site]:
    device_ids: dict[str, list[str]] = {site_id: [] for site_id in district.sites}
    for device in district.devices.values():
        device_ids.setdefault(device.site_id, []).append(device.id)
    return [site_view(site, device_ids[site.id]) for site in district.sites.values()]


@documented("listSites", "The district's key units", {200: r.SiteList})
async def list_sites(request: web.Request) -> web.Response:
    return json_ok(r.SiteList(sites=site_views(request.app[SERVICES].district)).dump())


@documented("listDevices", "Every registered device", {200: r.DeviceList})
async def list_devices(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    return json_ok(r.DeviceList(devices=[device_view(d) for d in district.devices.values()]).dump())


@documented("listOfficers", "The station's officers and supervisors", {200: r.OfficerList})
async def list_officers(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    return json_ok(r.OfficerList(officers=[officer_view(o) for o in district.officers.values()]).dump())
