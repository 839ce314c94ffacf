"""REST resources under /api/v1: incidents (from the read side) and the district registry."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import BadRequest, NotFound, json_ok
from hub.domain.district import Device, District, Officer, Site
from hub.domain.incidents import IncidentState

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_ID = 2**63 - 1  # ids are the store's positive bigints
STATE_FILTERS = frozenset({"open", "all", *(state.value for state in IncidentState)})

_DIGITS = re.compile(r"[0-9]{1,19}")


def _single_query_value(request: web.Request, name: str) -> str | None:
    values = request.query.getall(name, [])
    if len(values) > 1:
        raise BadRequest("invalid_parameter", f"{name} is given more than once")
    return values[0] if values else None


def parse_state(raw: str | None) -> str | None:
    """The `state` filter as IncidentQueries takes it: a state, "open", or None for all."""
    state = "open" if raw is None else raw
    if state not in STATE_FILTERS:
        allowed = ", ".join(sorted(STATE_FILTERS))
        raise BadRequest("invalid_parameter", f"state must be one of: {allowed}")
    return None if state == "all" else state


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest("invalid_parameter", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def parse_id(raw: str, what: str) -> int:
    """An id from a path or query: 1 to MAX_ID, else 400 invalid_id."""
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise BadRequest("invalid_id", f"{what} id must be a positive integer")
    return int(raw)


def parse_incident_id(raw: str) -> int:
    return parse_id(raw, "incident")


async def list_incidents(request: web.Request) -> web.Response:
    state = parse_state(_single_query_value(request, "state"))
    limit = parse_limit(_single_query_value(request, "limit"))
    incidents = await request.app[SERVICES].queries.list_incidents(state, limit)
    return json_ok({"incidents": incidents})


async def get_incident(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    incident = await incident_detail(request, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return json_ok(incident)


async def incident_detail(request: web.Request, incident_id: int) -> dict[str, Any] | None:
    """The incident with its timeline, events, dispatches, warnings, media and (guided response) steps."""
    incident = await request.app[SERVICES].queries.get_incident(incident_id)
    steps = request.app[SERVICES].steps
    if incident is not None and steps is not None:
        incident["steps"] = await steps.view(incident_id)
    return incident


def site_json(site: Site, device_ids: list[str]) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "name_en": site.name_en,
        "kind": site.kind,
        "grid_id": site.grid_id,
        "address": site.address,
        "lat": site.lat,
        "lon": site.lon,
        "contact_name": site.contact_name,
        "contact_phone": site.contact_phone,
        "test_mode": site.test_mode,
        "devices": device_ids,
    }


def device_json(device: Device) -> dict[str, Any]:
    return {
        "id": device.id,
        "site_id": device.site_id,
        "kind": device.kind,
        "label": device.label,
        "label_en": device.label_en or device.label,
        "zones": [{"id": z.id, "name": z.name, "name_en": z.name_en} for z in device.zones],
        "report_interval_s": device.report_interval_s,
    }


def officer_json(officer: Officer) -> dict[str, Any]:
    return {
        "id": officer.id,
        "name": officer.name,
        "name_en": officer.name_en or officer.name,
        "role": officer.role,
        "phone": officer.phone,
        "grid_id": officer.grid_id,
    }


def sites_json(district: District) -> list[dict[str, Any]]:
    device_ids: dict[str, list[str]] = {site_id: [] for site_id in district.sites}
    for device in district.devices.values():
        device_ids.setdefault(device.site_id, []).append(device.id)
    return [site_json(site, device_ids[site.id]) for site in district.sites.values()]


async def list_sites(request: web.Request) -> web.Response:
    return json_ok({"sites": sites_json(request.app[SERVICES].district)})


async def list_devices(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    return json_ok({"devices": [device_json(device) for device in district.devices.values()]})


async def list_officers(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    return json_ok({"officers": [officer_json(officer) for officer in district.officers.values()]})
