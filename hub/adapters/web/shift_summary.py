"""The duty desk's shift summary over HTTP (the console's handover view).

GET /api/v1/shift-summary?shift=current|previous   (current by default)
An unknown or repeated parameter is refused, as for the reports.
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, json_ok
from hub.adapters.web.models.base import read_query
from hub.adapters.web.models.shift_summary import ShiftSummaryQuery
from hub.adapters.web.operations import Answer, documented
from hub.services.views.shift_summary import ShiftSummary


@documented(
    "getShiftSummary",
    "The duty desk's shift summary: incidents by kind and outcome, deterred by warning, handed over",
    {
        200: Answer("The summary.", ShiftSummary),
        400: "An unknown or repeated parameter (`invalid_parameter`).",
        503: "No report store, or the database is away.",
    },
    description="The desk shift is the roster's desk seat on shift (calendar days when the roster has no desk shift).",
    query=ShiftSummaryQuery,
)
async def shift_summary(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    which = read_query(request.query, ShiftSummaryQuery).shift
    if services.shift_summary is None:
        raise ApiError(503, "shift_summary_unavailable", "this server has no report store")
    response = json_ok((await services.shift_summary.build(which == "previous", services.clock())).dump())
    response.headers["Cache-Control"] = "private, no-store"
    return response
