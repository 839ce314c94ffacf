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
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import BadRequest, json_ok
from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition

DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_OFFSET = 100_000
PARAMETERS = ("site", "kind", "state", "disposition", "from", "to", "escalated", "limit", "offset")
STATES = ("open", "closed", *(s.value for s in IncidentState))
DISPOSITIONS = tuple(d.value for d in Disposition)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_COUNT = re.compile(r"[0-9]{1,7}")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Search:
    site_id: str | None = None
    kind: str | None = None
    state: str | None = None
    disposition: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    escalated: bool | None = None
    limit: int = DEFAULT_PAGE
    offset: int = 0

    def filters(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "kind": self.kind,
            "state": self.state,
            "disposition": self.disposition,
            "created_from": self.created_from,
            "created_to": self.created_to,
            "escalated": self.escalated,
        }


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


def parse_search(query: Any, zone: ZoneInfo) -> Search:
    """The search a request's query asks for, or BadRequest naming the parameter at fault."""
    unknown = sorted(set(query) - set(PARAMETERS))
    if unknown:
        raise BadRequest("invalid_parameter", f"unknown parameter {unknown[0]!r}; known: {', '.join(PARAMETERS)}")
    values: dict[str, str] = {}
    for name in PARAMETERS:
        given = query.getall(name, [])
        if len(given) > 1:
            raise _bad(name, "is given more than once")
        if given and given[0] != "":
            values[name] = given[0]
    site = values.get("site")
    if site is not None and not _ID.fullmatch(site):
        raise _bad("site", "must be a site id")
    kind = values.get("kind")
    if kind is not None and not _KIND.fullmatch(kind):
        raise _bad("kind", "must be an incident kind such as panic or intrusion")
    state = values.get("state")
    if state is not None and state not in STATES:
        raise _bad("state", f"must be one of: {', '.join(STATES)}")
    disposition = values.get("disposition")
    if disposition is not None and disposition not in DISPOSITIONS:
        raise _bad("disposition", f"must be one of: {', '.join(DISPOSITIONS)}")
    created_from = _time("from", values["from"], zone, end=False) if "from" in values else None
    created_to = _time("to", values["to"], zone, end=True) if "to" in values else None
    if created_from and created_to and created_from >= created_to:
        raise _bad("from", "must be before to")
    escalated = None
    if "escalated" in values:
        if values["escalated"] not in _BOOLEANS:
            raise _bad("escalated", "must be true or false")
        escalated = _BOOLEANS[values["escalated"]]
    limit = DEFAULT_PAGE
    if "limit" in values:
        if not _COUNT.fullmatch(values["limit"]) or not 1 <= int(values["limit"]) <= MAX_PAGE:
            raise _bad("limit", f"must be an integer from 1 to {MAX_PAGE}")
        limit = int(values["limit"])
    offset = 0
    if "offset" in values:
        if not _COUNT.fullmatch(values["offset"]) or int(values["offset"]) > MAX_OFFSET:
            raise _bad("offset", f"must be an integer from 0 to {MAX_OFFSET}")
        offset = int(values["offset"])
    return Search(site, kind, state, disposition, created_from, created_to, escalated, limit, offset)


async def search(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    wanted = parse_search(request.query, ZoneInfo(services.district.timezone))
    incidents, total = await services.queries.search_incidents(
        **wanted.filters(), limit=wanted.limit, offset=wanted.offset
    )
    return json_ok({"incidents": incidents, "total": total, "limit": wanted.limit, "offset": wanted.offset})
