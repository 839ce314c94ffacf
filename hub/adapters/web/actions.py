"""State-changing REST actions: the duty desk on incidents, officers on their own dispatches.

Every action is done by the lifecycle service with the acting user recorded (timeline and audit
log); the answer is the incident (or dispatch) as it now stands.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.adapters.web.api import incident_detail, parse_id, parse_incident_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, NotFound, json_ok
from hub.adapters.web.models import accounts as a
from hub.adapters.web.models import incidents as m
from hub.adapters.web.models import registry as r
from hub.adapters.web.models.base import read_body, read_query
from hub.adapters.web.operations import Answer, Response, documented
from hub.domain.lifecycle import IllegalTransition
from hub.domain.routing import Candidate
from hub.services import lifecycle as lifecycle_errors
from hub.services.lifecycle import LifecycleService, OfficerReplyCommand
from hub.services.steps import StepsOpen, UnknownStep
from hub.services.views import incidents as v


def _lifecycle(request: web.Request) -> LifecycleService:
    service = request.app[SERVICES].lifecycle
    if service is None:
        raise ApiError(503, "unavailable", "incident actions are not available on this server")
    return service


@contextlib.asynccontextmanager
async def _refusals(request: web.Request | None = None, incident_id: int | None = None) -> AsyncIterator[None]:
    """The lifecycle's refusals as HTTP answers: 404, 403, 409 (a conflict says who got there first)."""
    try:
        yield
    except lifecycle_errors.NotFound as exc:
        raise NotFound(str(exc)) from None
    except lifecycle_errors.NotAllowed as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except IllegalTransition as exc:
        code, params = "illegal_transition", {"state": exc.state.value, "action": exc.action.value}
        if request is not None and incident_id is not None:
            code, params = await _conflict(request, incident_id, exc, params)
        raise ApiError(409, code, str(exc), params) from None
    except StepsOpen as exc:  # resolving with a required response step open: say which, ask for a reason
        raise ApiError(409, "steps_open", str(exc), {"steps": [s.id for s in exc.steps]}) from None
    except UnknownStep as exc:
        raise NotFound(str(exc)) from None


# The timeline actions that settle what a refused action wanted: who acknowledged, who closed.
_ACKNOWLEDGING = ("acknowledge", "dispatch")
_CLOSING = ("resolve", "cancel")


async def _conflict(
    request: web.Request, incident_id: int, exc: IllegalTransition, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """A refused action as data: already acknowledged (by whom, when), already closed, or not now."""
    detail = await request.app[SERVICES].queries.get_incident(incident_id)
    if detail is None:
        return "illegal_transition", params

    def first(actions: tuple[str, ...]) -> dict[str, Any]:
        entry = next((e for e in detail.timeline if e.action in actions and not e.actor.startswith("system")), None)
        if entry is None:
            return {"by": "", "by_actor": "", "at": None}
        return {
            "by": entry.actor_name or entry.actor.split(":", 1)[-1],
            "by_actor": entry.actor,
            "at": entry.at.isoformat(),
        }

    if exc.state.value in ("resolved", "cancelled"):
        return "already_closed", {"state": exc.state.value, **first(_CLOSING)}
    if exc.action.value == "acknowledge" and detail.acknowledged_at:
        return "already_acknowledged", {**first(_ACKNOWLEDGING), "at": detail.acknowledged_at.isoformat()}
    return "illegal_transition", params


async def _incident_answer(request: web.Request, incident_id: int) -> web.Response:
    detail = await incident_detail(request, incident_id)
    if detail is None:
        raise NotFound(f"no incident {incident_id}")
    return json_ok(detail.dump())


# --- the duty desk ----------------------------------------------------------------------------------
async def _desk_action(
    request: web.Request, incident_id: int, act: Callable[[LifecycleService, str], Awaitable[object]]
) -> web.Response:
    """Do `act` as the signed-in user, the lifecycle's refusals as HTTP answers (a conflict says who got there
    first); the answer is the incident as it now stands."""
    async with _refusals(request, incident_id):
        await act(_lifecycle(request), principal_of(request).actor)
    return await _incident_answer(request, incident_id)


_ACTION_ANSWERS: dict[int, Response] = {
    200: v.IncidentDetail,
    400: "A bad id or body.",
    404: "No such incident (or officer).",
    409: "Not possible in the incident's present state (already_acknowledged, already_closed, illegal_transition).",
    503: "Incident actions are not available on this server, the database is away, or the incident is busy.",
}


@documented("acknowledgeIncident", "Acknowledge (the desk has seen it)", _ACTION_ANSWERS)
async def acknowledge(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    return await _desk_action(request, incident_id, lambda desk, actor: desk.acknowledge(incident_id, actor))


@documented(
    "dispatchIncident",
    "Send an officer: the one named, or the first the routing rules choose",
    _ACTION_ANSWERS,
    body=m.DispatchBody,
)
async def dispatch(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    body = await read_body(request, m.DispatchBody)
    return await _desk_action(
        request, incident_id, lambda desk, actor: desk.dispatch(incident_id, actor, body.officer_id)
    )


@documented(
    "resolveIncident",
    "Resolve with a disposition",
    {**_ACTION_ANSWERS, 409: "Not possible now, or required response steps are open (steps_open)."},
    body=m.ResolveBody,
)
async def resolve(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    body = await read_body(request, m.ResolveBody)
    return await _desk_action(
        request,
        incident_id,
        lambda desk, actor: desk.resolve(
            incident_id, actor, body.disposition, body.note or "", body.steps_reason or ""
        ),
    )


@documented(
    "cancelIncident",
    "Cancel (a test, or a mistaken press confirmed with the guard)",
    _ACTION_ANSWERS,
    body=m.NoteBody,
)
async def cancel(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    body = await read_body(request, m.NoteBody)
    return await _desk_action(
        request, incident_id, lambda desk, actor: desk.cancel(incident_id, actor, body.note or "")
    )


@documented(
    "addIncidentNote",
    "Add a note to the incident's timeline (who and when are recorded); the state is unchanged",
    {
        200: Answer("The incident with the note on its timeline.", v.IncidentDetail),
        404: "No such incident.",
        409: "Not possible in the incident's present state.",
        503: "Incident actions are not available on this server, or the database is away.",
    },
    body=m.TimelineNote,
)
async def add_note(request: web.Request) -> web.Response:
    """A note on the incident's timeline: `{"text": "..."}` (1 to 2000 characters, not blank)."""
    incident_id = parse_incident_id(request.match_info["id"])
    text = (await read_body(request, m.TimelineNote)).text.strip()
    return await _desk_action(request, incident_id, lambda desk, actor: desk.add_note(incident_id, actor, text))


def _candidate(candidate: Candidate, request: web.Request) -> m.Candidate:
    officer = request.app[SERVICES].district.officers.get(candidate.officer_id)
    return m.Candidate(
        officer_id=candidate.officer_id,
        name=officer.name if officer else candidate.officer_id,
        phone=officer.phone if officer else "",
        rule=candidate.rule.value,
        distance_m=round(candidate.distance_m) if candidate.distance_m is not None else None,
        available=candidate.available,
        why_not=candidate.why_not,
    )


@documented(
    "rankOfficers",
    "Officers in routing order (grid → nearest → supervisor) with availability",
    {200: m.Candidates, 404: "No such incident."},
)
async def candidates(request: web.Request) -> web.Response:
    """Officers in the order routing prefers them, with why someone would not be chosen."""
    incident_id = parse_incident_id(request.match_info["id"])
    async with _refusals():
        ranked = await _lifecycle(request).candidates(incident_id)
    return json_ok(m.Candidates(candidates=[_candidate(c, request) for c in ranked]).dump())


@documented("getRoster", "Weekly shifts, coverage gaps, who is on shift and who is signed on", {200: r.Roster})
async def roster(request: web.Request) -> web.Response:
    """The week's shifts, the gaps in coverage, who is on shift now and who is signed on."""
    services = request.app[SERVICES]
    district = services.district
    local_now = datetime.now(ZoneInfo(district.timezone))
    presence = {p.officer_id: p for p in await services.queries.officer_presence()}
    shifts = [
        r.Shift(
            who=s.who,
            who_en=s.who_en or s.who,
            desk=s.desk,
            days=sorted(s.days),
            start_minute=s.start,
            end_minute=s.end,
        )
        for s in district.shifts
    ]
    officers = []
    for officer in district.officers.values():
        p = presence.get(officer.id)
        officers.append(
            r.RosterOfficer(
                officer_id=officer.id,
                name=officer.name,
                role=officer.role,
                grid_id=officer.grid_id,
                on_shift=any(s.who == officer.id and s.covers(local_now) for s in district.shifts),
                signed_on=p is not None and p.signed_on,
                lat=p.lat if p else None,
                lon=p.lon if p else None,
                located_at=p.located_at if p else None,
            )
        )
    gaps = [
        r.RosterGap(who=g.who, start_minute=g.start, end_minute=g.end, text=g.describe())
        for g in district.roster_gaps()
    ]
    return json_ok(r.Roster(timezone=district.timezone, shifts=shifts, gaps=gaps, officers=officers).dump())


# --- officers ---------------------------------------------------------------------------------------
def _officer_id(request: web.Request) -> str:
    officer_id = principal_of(request).officer_id
    if not officer_id:
        raise ApiError(403, "forbidden", "only an officer's own account has dispatches")
    return officer_id


_NOT_AN_OFFICER = "Not an officer's own account (or the role lacks the permission)."


@documented(
    "myDispatches",
    "The signed-in officer's dispatches (active; `?all=1`: the last 50)",
    {200: a.DispatchList, 403: _NOT_AN_OFFICER},
    query=a.MyDispatchesQuery,
)
async def my_dispatches(request: web.Request) -> web.Response:
    officer_id = _officer_id(request)
    active_only = not read_query(request.query, a.MyDispatchesQuery).every
    dispatches = await request.app[SERVICES].queries.dispatches_for_officer(officer_id, active_only)
    return json_ok(a.DispatchList(dispatches=dispatches).dump())


@documented("signOn", "Sign on or off duty (the daily sign-in)", {200: a.Duty, 403: _NOT_AN_OFFICER}, body=a.DutyBody)
async def my_duty(request: web.Request) -> web.Response:
    """The daily sign-in: `{"on_duty": true|false}`."""
    officer_id = _officer_id(request)
    on_duty = (await read_body(request, a.DutyBody)).on_duty
    async with _refusals():
        await _lifecycle(request).sign_on(officer_id, on_duty, principal_of(request).actor)
    return json_ok(a.Duty(officer_id=officer_id, on_duty=on_duty).dump())


@documented(
    "shareLocation",
    "Share the officer's location (used for the nearest-officer rule and ETAs)",
    {200: a.Location, 403: _NOT_AN_OFFICER},
    body=a.LocationBody,
)
async def my_location(request: web.Request) -> web.Response:
    officer_id = _officer_id(request)
    body = await read_body(request, a.LocationBody)
    await _lifecycle(request).report_location(officer_id, body.lat, body.lon)
    return json_ok(a.Location(officer_id=officer_id, lat=body.lat, lon=body.lon).dump())


@documented(
    "replyToDispatch",
    "Answer a dispatch: accept, decline, en_route, on_scene or resolved",
    {
        200: a.Reply,
        403: "Not this officer's dispatch, or not an officer's own account.",
        404: "No such dispatch.",
        409: "Not possible in the dispatch's present state.",
    },
    body=a.ReplyBody,
)
async def my_reply(request: web.Request) -> web.Response:
    """accept, decline, en_route, on_scene or resolved, with an optional note and location."""
    officer_id = _officer_id(request)
    dispatch_id = parse_id(request.match_info["dispatch_id"], "dispatch")
    body = await read_body(request, a.ReplyBody)
    command = OfficerReplyCommand(
        officer_id=officer_id,
        dispatch_id=dispatch_id,
        action=body.action,
        at=datetime.now(UTC),
        note=body.note or "",
        lat=body.lat,
        lon=body.lon,
        disposition=body.disposition,
    )
    async with _refusals():
        incident = await _lifecycle(request).officer_reply(command, principal_of(request).actor)
    dispatches = await request.app[SERVICES].queries.dispatches_by_id([dispatch_id])
    return json_ok(a.Reply(dispatch=dispatches[0] if dispatches else None, incident_state=incident.state).dump())
