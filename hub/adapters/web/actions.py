"""State-changing REST actions: the duty desk on incidents, officers on their own dispatches.

Every action is done by the lifecycle service with the acting user recorded (timeline and audit
log); the answer is the incident (or dispatch) as it now stands.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal, overload

from aiohttp import web

from devices.contract import OfficerAction
from hub.adapters.web.api import incident_detail, parse_id, parse_incident_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.bodies import parse_json_body
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound, json_ok
from hub.domain.lifecycle import Disposition, IllegalTransition
from hub.domain.routing import Candidate
from hub.services import lifecycle as lifecycle_errors
from hub.services.lifecycle import LifecycleService, OfficerReplyCommand
from hub.services.steps import StepsOpen, UnknownStep

MAX_NOTE = 2000


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
    timeline = detail.get("timeline") or []

    def first(actions: tuple[str, ...]) -> dict[str, Any]:
        entry: dict[str, Any] = next(
            (e for e in timeline if e["action"] in actions and not str(e["actor"]).startswith("system")), {}
        )
        actor = str(entry.get("actor", ""))
        return {"by": entry.get("actor_name") or actor.split(":", 1)[-1], "by_actor": actor, "at": entry.get("at")}

    if exc.state.value in ("resolved", "cancelled"):
        return "already_closed", {"state": exc.state.value, **first(_CLOSING)}
    if exc.action.value == "acknowledge" and detail.get("acknowledged_at"):
        return "already_acknowledged", {**first(_ACKNOWLEDGING), "at": detail["acknowledged_at"]}
    return "illegal_transition", params


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:  # (read already, within the body deadline)
        return {}
    try:
        body = parse_json_body(await request.text())
    except ValueError:
        raise BadRequest("invalid_json", "the request body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("invalid_json", "the request body must be a JSON object")
    return body


@overload
def _text(body: dict[str, Any], name: str, required: Literal[True], limit: int = MAX_NOTE) -> str: ...
@overload
def _text(body: dict[str, Any], name: str, required: bool = False, limit: int = MAX_NOTE) -> str | None: ...
def _text(body: dict[str, Any], name: str, required: bool = False, limit: int = MAX_NOTE) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest("invalid_parameter", f"{name} is required")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest("invalid_parameter", f"{name} must be a string of at most {limit} characters")
    return value


def _coordinate(body: dict[str, Any], name: str, bound: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
        raise BadRequest("invalid_parameter", f"{name} must be a number between {-bound} and {bound}")
    return float(value)


async def _incident_answer(request: web.Request, incident_id: int) -> web.Response:
    return json_ok(await incident_detail(request, incident_id))


# --- the duty desk ----------------------------------------------------------------------------------
async def acknowledge(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    async with _refusals(request, incident_id):
        await _lifecycle(request).acknowledge(incident_id, principal_of(request).actor)
    return await _incident_answer(request, incident_id)


async def dispatch(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    officer_id = _text(await _body(request), "officer_id", limit=64)
    async with _refusals(request, incident_id):
        await _lifecycle(request).dispatch(incident_id, principal_of(request).actor, officer_id)
    return await _incident_answer(request, incident_id)


async def resolve(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    body = await _body(request)
    raw = _text(body, "disposition", required=True, limit=32)
    try:
        disposition = Disposition(raw)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise BadRequest("invalid_parameter", f"disposition must be one of: {allowed}") from None
    note = _text(body, "note") or ""
    steps_reason = _text(body, "steps_reason") or ""
    async with _refusals(request, incident_id):
        await _lifecycle(request).resolve(incident_id, principal_of(request).actor, disposition, note, steps_reason)
    return await _incident_answer(request, incident_id)


async def cancel(request: web.Request) -> web.Response:
    incident_id = parse_incident_id(request.match_info["id"])
    note = _text(await _body(request), "note") or ""
    async with _refusals(request, incident_id):
        await _lifecycle(request).cancel(incident_id, principal_of(request).actor, note)
    return await _incident_answer(request, incident_id)


async def add_note(request: web.Request) -> web.Response:
    """A note on the incident's timeline: `{"text": "..."}` (1 to 2000 characters, not blank)."""
    incident_id = parse_incident_id(request.match_info["id"])
    text = (_text(await _body(request), "text", required=True) or "").strip()
    if not text:
        raise BadRequest("invalid_parameter", "text must not be blank")
    async with _refusals():
        await _lifecycle(request).add_note(incident_id, principal_of(request).actor, text)
    return await _incident_answer(request, incident_id)


def _candidate_json(candidate: Candidate, request: web.Request) -> dict[str, Any]:
    officer = request.app[SERVICES].district.officers.get(candidate.officer_id)
    return {
        "officer_id": candidate.officer_id,
        "name": officer.name if officer else candidate.officer_id,
        "phone": officer.phone if officer else "",
        "rule": candidate.rule.value,
        "distance_m": round(candidate.distance_m) if candidate.distance_m is not None else None,
        "available": candidate.available,
        "why_not": candidate.why_not,
    }


async def candidates(request: web.Request) -> web.Response:
    """Officers in the order routing prefers them, with why someone would not be chosen."""
    incident_id = parse_incident_id(request.match_info["id"])
    async with _refusals():
        ranked = await _lifecycle(request).candidates(incident_id)
    return json_ok({"candidates": [_candidate_json(c, request) for c in ranked]})


async def roster(request: web.Request) -> web.Response:
    """The week's shifts, the gaps in coverage, who is on shift now and who is signed on."""
    services = request.app[SERVICES]
    district = services.district
    from zoneinfo import ZoneInfo

    local_now = datetime.now(ZoneInfo(district.timezone))
    presence = {p["officer_id"]: p for p in await services.queries.officer_presence()}
    shifts = [
        {
            "who": s.who,
            "who_en": s.who_en or s.who,
            "desk": s.desk,
            "days": sorted(s.days),
            "start_minute": s.start,
            "end_minute": s.end,
        }
        for s in district.shifts
    ]
    officers = []
    for officer in district.officers.values():
        p = presence.get(officer.id, {})
        officers.append(
            {
                "officer_id": officer.id,
                "name": officer.name,
                "role": officer.role,
                "grid_id": officer.grid_id,
                "on_shift": any(s.who == officer.id and s.covers(local_now) for s in district.shifts),
                "signed_on": bool(p.get("signed_on")),
                "lat": p.get("lat"),
                "lon": p.get("lon"),
                "located_at": p.get("located_at"),
            }
        )
    gaps = [
        {"who": g.who, "start_minute": g.start, "end_minute": g.end, "text": g.describe()}
        for g in district.roster_gaps()
    ]
    return json_ok({"timezone": district.timezone, "shifts": shifts, "gaps": gaps, "officers": officers})


# --- officers ---------------------------------------------------------------------------------------
def _officer_id(request: web.Request) -> str:
    officer_id = principal_of(request).officer_id
    if not officer_id:
        raise ApiError(403, "forbidden", "only an officer's own account has dispatches")
    return officer_id


async def my_dispatches(request: web.Request) -> web.Response:
    officer_id = _officer_id(request)
    active_only = request.query.get("all") != "1"
    dispatches = await request.app[SERVICES].queries.dispatches_for_officer(officer_id, active_only)
    return json_ok({"dispatches": dispatches})


async def my_duty(request: web.Request) -> web.Response:
    """The daily sign-in: `{"on_duty": true|false}`."""
    officer_id = _officer_id(request)
    on_duty = (await _body(request)).get("on_duty")
    if not isinstance(on_duty, bool):
        raise BadRequest("invalid_parameter", "on_duty must be true or false")
    async with _refusals():
        await _lifecycle(request).sign_on(officer_id, on_duty, principal_of(request).actor)
    return json_ok({"officer_id": officer_id, "on_duty": on_duty})


async def my_location(request: web.Request) -> web.Response:
    officer_id = _officer_id(request)
    body = await _body(request)
    lat, lon = _coordinate(body, "lat", 90), _coordinate(body, "lon", 180)
    if lat is None or lon is None:
        raise BadRequest("invalid_parameter", "lat and lon are required")
    await _lifecycle(request).report_location(officer_id, lat, lon)
    return json_ok({"officer_id": officer_id, "lat": lat, "lon": lon})


async def my_reply(request: web.Request) -> web.Response:
    """accept, decline, en_route, on_scene or resolved, with an optional note and location."""
    officer_id = _officer_id(request)
    dispatch_id = parse_id(request.match_info["dispatch_id"], "dispatch")
    body = await _body(request)
    try:
        action = OfficerAction(_text(body, "action", required=True, limit=16))
    except ValueError:
        allowed = ", ".join(a.value for a in OfficerAction)
        raise BadRequest("invalid_parameter", f"action must be one of: {allowed}") from None
    disposition = None
    if body.get("disposition") is not None:
        try:
            disposition = Disposition(_text(body, "disposition", required=True, limit=32))
        except ValueError:
            raise BadRequest("invalid_parameter", "unknown disposition") from None
    command = OfficerReplyCommand(
        officer_id=officer_id,
        dispatch_id=dispatch_id,
        action=action,
        at=datetime.now(UTC),
        note=_text(body, "note") or "",
        lat=_coordinate(body, "lat", 90),
        lon=_coordinate(body, "lon", 180),
        disposition=disposition,
    )
    async with _refusals():
        incident = await _lifecycle(request).officer_reply(command, principal_of(request).actor)
    dispatches = await request.app[SERVICES].queries.dispatches_by_id([dispatch_id])
    return json_ok({"dispatch": dispatches[0] if dispatches else None, "incident_state": incident.state.value})
