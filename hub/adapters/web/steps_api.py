"""Guided response over REST: the desk ticks a step of an incident (hub.services.steps).

POST /api/v1/incidents/{id}/steps/{step}   body {"note": "..."} (optional): the step is done, by the caller
The steps themselves, with their marks, come with the incident (GET /api/v1/incidents/{id}, `steps`).
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.actions import _body, _incident_answer, _refusals, _text
from hub.adapters.web.api import parse_incident_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError


async def complete_step(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    note = (_text(await _body(request), "note") or "").strip()
    steps = request.app[SERVICES].steps
    if steps is None:
        raise ApiError(503, "unavailable", "response steps are not available on this server")
    async with _refusals():
        await steps.complete(incident_id, request.match_info["step"], principal_of(request).actor, note)
    return await _incident_answer(request, incident_id)
