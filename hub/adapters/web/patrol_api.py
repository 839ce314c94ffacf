"""Video patrol over REST: the tours and whether they are due, a round (start, log each camera view, finish),
the supervisor's patrol log, and incidents opened by hand from the desk.

GET  /api/v1/patrol/tours                  tours with due state, last round, rounds under way, cameras (live view)
POST /api/v1/patrol/runs                   {tour_id} → 201 the round
POST /api/v1/patrol/runs/{id}/views        {camera_id, outcome, note?, incident_id?, warning_ids?} → 201 the view
POST /api/v1/patrol/runs/{id}/finish       → the round and what it covered
GET  /api/v1/patrol/log?from&to&camera&limit   views newest first (supervisors)
POST /api/v1/incidents                     {site_id, kind?, priority?, note?} → 201 opened, 200 joined the open one
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.adapters.mjpeg import stream_kind
from hub.adapters.web.actions import _body, _text
from hub.adapters.web.api import MAX_ID, parse_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound, json_ok
from hub.adapters.web.history import _time
from hub.domain.district import District
from hub.domain.incidents import Priority
from hub.domain.patrol import MAX_NOTE, MAX_WARNINGS_PER_VIEW, Outcome, PatrolRun, PatrolView, RunSummary
from hub.domain.weekly import WEEKDAYS, WeeklyWindow, format_hhmm
from hub.services import patrol as patrol_errors
from hub.services.patrol import MANUAL_KIND, ManualIncident, PatrolService, TourOverview, ViewRequest

LOG_PARAMETERS = ("from", "to", "camera", "limit")
DEFAULT_LOG_LIMIT = 200
MAX_LOG_LIMIT = 2000
_CAMERA = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def _service(request: web.Request) -> PatrolService:
    service = request.app[SERVICES].patrol
    if service is None:
        raise ApiError(503, "unavailable", "video patrol is not available on this server")
    return service


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _run_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"], "patrol run")


def _positive_id(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise BadRequest("invalid_parameter", f"{name} must be a positive integer")
    return value


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, patrol_errors.NotFound):
        return NotFound(str(exc))
    if isinstance(exc, patrol_errors.RunFinished):
        return ApiError(409, "run_finished", str(exc))
    if isinstance(exc, patrol_errors.Invalid):
        return BadRequest(exc.code, str(exc))
    return ApiError(500, "internal_error", "internal server error")


# ---- JSON shapes -----------------------------------------------------------------------------------


def camera_json(district: District, camera_id: str) -> dict[str, Any]:
    device = district.devices.get(camera_id)
    site = district.sites.get(device.site_id) if device else None
    live = stream_kind(device.stream) if device else "none"
    base = f"/api/v1/cameras/{camera_id}"
    return {
        "id": camera_id,
        "label": device.label if device else camera_id,
        "site_id": device.site_id if device else None,
        "site_name": site.name if site else None,
        "site_name_en": site.name_en if site else None,
        "speakers": district.speakers_for(device.site_id, camera_id) if device else [],
        "live": live,
        "live_url": f"{base}/live" if live == "mjpeg" else None,
        "snapshot_url": f"{base}/snapshot" if live == "mjpeg" else None,
    }


def run_json(run: PatrolRun, views: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.id,
        "tour_id": run.tour_id,
        "tour_name": run.tour_name,
        "cameras": list(run.cameras),
        "dwell_s": run.dwell_s,
        "started_by": run.started_by,
        "started_at": _iso(run.started_at),
        "shift": run.shift,
        "finished_at": _iso(run.finished_at),
        "finished_by": run.finished_by,
    }
    if views is not None:
        data["views"] = views
    return data


def view_json(view: PatrolView) -> dict[str, Any]:
    return {
        "id": view.id,
        "run_id": view.run_id,
        "camera_id": view.camera_id,
        "site_id": view.site_id,
        "viewed_at": _iso(view.viewed_at),
        "outcome": view.outcome.value,
        "note": view.note,
        "incident_id": view.incident_id,
        "warning_ids": list(view.warning_ids),
        "logged_by": view.logged_by,
    }


def _window_json(window: WeeklyWindow) -> dict[str, Any]:
    return {
        "days": [WEEKDAYS[d] for d in sorted(window.days)],
        "from": format_hhmm(window.start),
        "to": format_hhmm(window.end),
    }


def tour_json(overview: TourOverview, district: District, counts: dict[int, int]) -> dict[str, Any]:
    tour, due = overview.tour, overview.due
    last = overview.last_run
    return {
        "id": tour.id,
        "name": tour.name,
        "name_en": tour.name_en,
        "dwell_s": tour.dwell_s,
        "round_s": tour.round_s,
        "schedule": [_window_json(w) for w in tour.windows],
        "every_s": tour.every_s,
        "grace_s": tour.grace_s,
        "state": due.state.value,
        "due_at": _iso(due.due_at),
        "next_due_at": _iso(due.next_due_at),
        "last_run": run_json(last, counts.get(last.id, 0)) if last else None,
        "open_runs": [run_json(r, counts.get(r.id, 0)) for r in overview.open_runs],
        "cameras": [camera_json(district, c) for c in tour.cameras],
    }


def summary_json(summary: RunSummary) -> dict[str, Any]:
    return {
        "views": summary.views,
        "cameras": summary.cameras,
        "cameras_viewed": list(summary.cameras_viewed),
        "cameras_missed": list(summary.cameras_missed),
        "by_outcome": summary.by_outcome,
    }


# ---- handlers --------------------------------------------------------------------------------------


async def list_tours(request: web.Request) -> web.Response:
    service = _service(request)
    overviews = await service.tours()
    run_ids = [r.id for o in overviews for r in ([o.last_run] if o.last_run else []) + o.open_runs]
    counts = await service.view_counts(run_ids) if run_ids else {}
    district = service.district
    return json_ok(
        {
            "timezone": district.timezone,
            "now": _iso(request.app[SERVICES].clock()),
            "tours": [tour_json(o, district, counts) for o in overviews],
        }
    )


async def start_run(request: web.Request) -> web.Response:
    body = await _body(request)
    tour_id = _text(body, "tour_id", required=True, limit=64) or ""
    try:
        run = await _service(request).start_run(tour_id, principal_of(request).actor)
    except patrol_errors.NotFound as exc:
        raise _refused(exc) from None
    return json_ok({"run": run_json(run, 0)}, status=201)


def _view_request(body: dict[str, Any]) -> ViewRequest:
    camera_id = _text(body, "camera_id", required=True, limit=64) or ""
    raw_outcome = _text(body, "outcome", required=True, limit=32)
    try:
        outcome = Outcome(raw_outcome)
    except ValueError:
        allowed = ", ".join(o.value for o in Outcome)
        raise BadRequest("invalid_parameter", f"outcome must be one of: {allowed}") from None
    note = _text(body, "note", limit=MAX_NOTE) or ""
    incident_id = body.get("incident_id")
    if incident_id is not None:
        incident_id = _positive_id(incident_id, "incident_id")
    raw_warnings = body.get("warning_ids") or []
    if not isinstance(raw_warnings, list) or len(raw_warnings) > MAX_WARNINGS_PER_VIEW:
        raise BadRequest("invalid_parameter", f"warning_ids must be a list of at most {MAX_WARNINGS_PER_VIEW} ids")
    warning_ids = tuple(_positive_id(w, "each of warning_ids") for w in raw_warnings)
    return ViewRequest(camera_id, outcome, note.strip(), incident_id, warning_ids)


async def log_view(request: web.Request) -> web.Response:
    run_id = _run_id(request)
    view = _view_request(await _body(request))
    try:
        saved = await _service(request).log_view(run_id, view, principal_of(request).actor)
    except (patrol_errors.NotFound, patrol_errors.RunFinished, patrol_errors.Invalid) as exc:
        raise _refused(exc) from None
    return json_ok({"view": view_json(saved)}, status=201)


async def finish_run(request: web.Request) -> web.Response:
    run_id = _run_id(request)
    try:
        run, summary = await _service(request).finish_run(run_id, principal_of(request).actor)
    except patrol_errors.NotFound as exc:
        raise _refused(exc) from None
    return json_ok({"run": run_json(run, summary.views), "summary": summary_json(summary)})


async def patrol_log(request: web.Request) -> web.Response:
    """The supervisor's patrol log: `from`/`to` dates (whole days in the district's time zone, `to` inclusive) or
    RFC 3339 times (`to` exclusive), `camera`, `limit` (default 200, at most 2000)."""
    query = request.query
    unknown = sorted(set(query) - set(LOG_PARAMETERS))
    if unknown:
        raise BadRequest("invalid_parameter", f"unknown parameter {unknown[0]!r}; known: {', '.join(LOG_PARAMETERS)}")
    values: dict[str, str] = {}
    for name in LOG_PARAMETERS:
        given = query.getall(name, [])
        if len(given) > 1:
            raise BadRequest("invalid_parameter", f"{name} is given more than once")
        if given and given[0] != "":
            values[name] = given[0]
    service = _service(request)
    zone = ZoneInfo(service.district.timezone)
    start = _time("from", values["from"], zone, end=False) if "from" in values else None
    end = _time("to", values["to"], zone, end=True) if "to" in values else None
    if start and end and start >= end:
        raise BadRequest("invalid_parameter", "from must be before to")
    camera = values.get("camera")
    if camera is not None and not _CAMERA.fullmatch(camera):
        raise BadRequest("invalid_parameter", "camera must be a device id")
    limit = DEFAULT_LOG_LIMIT
    if "limit" in values:
        if not values["limit"].isdigit() or not 1 <= int(values["limit"]) <= MAX_LOG_LIMIT:
            raise BadRequest("invalid_parameter", f"limit must be an integer from 1 to {MAX_LOG_LIMIT}")
        limit = int(values["limit"])
    rows = await service.log(start, end, camera, limit)
    district = service.district
    entries = []
    for view, run in rows:
        device = district.devices.get(view.camera_id)
        entries.append(
            {
                **view_json(view),
                "camera_label": device.label if device else view.camera_id,
                "tour_id": run.tour_id,
                "tour_name": run.tour_name,
                "shift": run.shift,
            }
        )
    return json_ok({"views": entries, "from": _iso(start), "to": _iso(end), "limit": limit})


async def open_incident(request: web.Request) -> web.Response:
    """An incident opened by the desk (what a patrol view showed): `site_id`, `kind` (default
    patrol_observation), `priority` 1–4 (default 3), `note`. A site with an open incident gets the note on that
    incident instead (one open incident per site): 200 with `created: false`."""
    body = await _body(request)
    site_id = _text(body, "site_id", required=True, limit=64) or ""
    kind = _text(body, "kind", limit=32)
    kind = MANUAL_KIND if kind is None else kind  # given but empty: refused like any other bad kind
    priority = body.get("priority", 3)
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in {int(p) for p in Priority}:
        raise BadRequest("invalid_parameter", "priority must be an integer from 1 to 4")
    note = (_text(body, "note", limit=MAX_NOTE) or "").strip()
    try:
        incident, created = await _service(request).open_incident(
            ManualIncident(site_id, kind, priority, note), principal_of(request).actor
        )
    except (patrol_errors.NotFound, patrol_errors.Invalid) as exc:
        raise _refused(exc) from None
    assert incident.id is not None
    detail = await request.app[SERVICES].queries.get_incident(incident.id)
    return json_ok({"incident": detail, "created": created}, status=201 if created else 200)
