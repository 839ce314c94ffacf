"""Guided response over REST: the desk ticks a step of an incident (hub.services.steps).

POST /api/v1/incidents/{id}/steps/{step}   body {"note": "..."} (optional): the step is done, by the caller
The steps themselves, with their marks, come with the incident (GET /api/v1/incidents/{id}, `steps`).
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.actions import _incident_answer, _refusals
from hub.adapters.web.api import parse_incident_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError
from hub.adapters.web.models import incidents as m
from hub.adapters.web.models.base import read_body
from hub.adapters.web.operations import documented
from hub.services.views import incidents as v


@documented(
    "completeStep",
    "Mark a response step done (guided response)",
    {
        200: v.IncidentDetail,
        404: "No such incident, or no such step in its plan.",
        409: "Not possible in the incident's present state.",
        503: "Response steps are not available on this server, or the database is away.",
    },
    body=m.NoteBody,
    path={"step": {"type": "string"}},
)
async def complete_step(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    note = ((await read_body(request, m.NoteBody)).note or "").strip()
    steps = request.app[SERVICES].steps
    if steps is None:
        raise ApiError(503, "unavailable", "response steps are not available on this server")
    async with _refusals():
        await steps.complete(incident_id, request.match_info["step"], principal_of(request).actor, note)
    return await _incident_answer(request, incident_id)
