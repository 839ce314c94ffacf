"""The supervisor's history search over incidents: strict parsing of the query, one page per answer.

GET /api/v1/incidents/search?site=&kind=&state=&disposition=&from=&to=&escalated=&limit=&offset=
Every parameter is optional and may be given once; an unknown one is refused (a typo must not
quietly widen a search). `from`/`to` are dates (YYYY-MM-DD, whole days in the district's time zone,
`to` inclusive) or RFC 3339 times with an offset (`to` exclusive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import BadRequest, json_ok
from hub.adapters.web.models.base import read_query
from hub.adapters.web.models.incidents import DEFAULT_PAGE, SearchPage, SearchQuery
from hub.adapters.web.operations import Answer, documented
from hub.services.ports import IncidentSearch

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Search:
    filters: IncidentSearch
    limit: int = DEFAULT_PAGE
    offset: int = 0


def _bad(name: str, message: str) -> BadRequest:
    return BadRequest("invalid_parameter", f"{name} {message}")


def _time(name: str, raw: str, zone: ZoneInfo, end: bool) -> datetime:
    """A day (its start; for `to` the start of the next day) or an RFC 3339 time with an offset."""
    if _DATE.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise _bad(name, "is not a real date (YYYY-MM-DD)") from None
        if end:
            day += timedelta(days=1)
        return datetime.combine(day, time(), zone)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time with an offset") from None
    if moment.tzinfo is None:
        raise _bad(name, "needs an offset (e.g. +08:00 or Z)")
    return moment


def parse_search(query: MultiMapping[str], zone: ZoneInfo) -> Search:
    """The search a request's query asks for, or BadRequest naming the parameter at fault."""
    wanted = read_query(query, SearchQuery)
    created_from = _time("from", wanted.from_, zone, end=False) if wanted.from_ else None
    created_to = _time("to", wanted.to, zone, end=True) if wanted.to else None
    if created_from and created_to and created_from >= created_to:
        raise _bad("from", "must be before to")
    return Search(
        IncidentSearch(
            wanted.site,
            wanted.kind,
            wanted.state,
            wanted.disposition,
            created_from,
            created_to,
            wanted.escalated,
        ),
        wanted.limit,
        wanted.offset,
    )


@documented(
    "searchIncidents",
    "History search over incidents (supervisors), newest first, one page at a time",
    {200: Answer("One page of matching incidents.", SearchPage), 400: "A bad parameter, named in the message."},
    description="Every parameter is optional and may be given once; unknown parameters are refused. `from`/`to` "
    "take a date (whole days in the district's time zone, `to` inclusive) or an RFC 3339 time with an offset "
    "(`to` exclusive; encode `+` as `%2B`).",
    query=SearchQuery,
)
async def search(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    wanted = parse_search(request.query, ZoneInfo(services.district.timezone))
    incidents, total = await services.queries.search_incidents(wanted.filters, limit=wanted.limit, offset=wanted.offset)
    return json_ok(SearchPage(incidents=incidents, total=total, limit=wanted.limit, offset=wanted.offset).dump())
