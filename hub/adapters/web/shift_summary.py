"""The duty desk's shift summary over HTTP (the console's handover view).

GET /api/v1/shift-summary?shift=current|previous   (current by default)
An unknown or repeated parameter is refused, as for the reports.
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, json_ok

SHIFTS = ("current", "previous")


async def shift_summary(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    query = request.query
    unknown = sorted(set(query) - {"shift"})
    if unknown:
        raise BadRequest("invalid_parameter", f"unknown parameter {unknown[0]!r}; known: shift")
    shifts = query.getall("shift", ["current"])
    if len(shifts) > 1 or shifts[0] not in SHIFTS:
        raise BadRequest("invalid_parameter", f"shift must be one of {', '.join(SHIFTS)}, given once")
    if services.shift_summary is None:
        raise ApiError(503, "shift_summary_unavailable", "this server has no report store")
    response = json_ok(await services.shift_summary.build(shifts[0] == "previous", services.clock()))
    response.headers["Cache-Control"] = "private, no-store"
    return response
