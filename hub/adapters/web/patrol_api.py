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

import dataclasses
from zoneinfo import ZoneInfo

from aiohttp import web

from hub.adapters.mjpeg import stream_kind
from hub.adapters.web.api import parse_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound, json_ok
from hub.adapters.web.history import _time
from hub.adapters.web.models import patrol as p
from hub.adapters.web.models.base import read_body, read_query
from hub.adapters.web.operations import Answer, documented
from hub.domain.district import District
from hub.domain.patrol import PatrolRun
from hub.domain.weekly import WEEKDAYS, WeeklyWindow, format_hhmm
from hub.services import patrol as patrol_errors
from hub.services.patrol import ManualIncident, PatrolService, TourOverview, ViewRequest

_UNAVAILABLE = "Video patrol is not available on this server, or the database is away."


def _service(request: web.Request) -> PatrolService:
    service = request.app[SERVICES].patrol
    if service is None:
        raise ApiError(503, "unavailable", "video patrol is not available on this server")
    return service


def _run_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"], "patrol run")


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, patrol_errors.NotFound):
        return NotFound(str(exc))
    if isinstance(exc, patrol_errors.RunFinished):
        return ApiError(409, "run_finished", str(exc))
    if isinstance(exc, patrol_errors.Invalid):
        return BadRequest(exc.code, str(exc))
    return ApiError(500, "internal_error", "internal server error")


# ---- views ------------------------------------------------------------------------------------------


def camera_view(district: District, camera_id: str) -> p.PatrolCamera:
    device = district.devices.get(camera_id)
    site = district.sites.get(device.site_id) if device else None
    live = stream_kind(device.stream) if device else "none"
    base = f"/api/v1/cameras/{camera_id}"
    return p.PatrolCamera.model_validate(  # `live` is checked here: stream_kind says only str
        {
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
    )


def run_view(run: PatrolRun, views: int) -> p.PatrolRun:
    return p.PatrolRun.model_validate({**dataclasses.asdict(run), "views": views})


def _window(window: WeeklyWindow) -> p.Window:
    return p.Window.model_validate(
        {
            "days": [WEEKDAYS[d] for d in sorted(window.days)],
            "from": format_hhmm(window.start),
            "to": format_hhmm(window.end),
        }
    )


def tour_view(overview: TourOverview, district: District, counts: dict[int, int]) -> p.PatrolTour:
    tour, due = overview.tour, overview.due
    last = overview.last_run
    return p.PatrolTour(
        id=tour.id,
        name=tour.name,
        name_en=tour.name_en,
        dwell_s=tour.dwell_s,
        round_s=tour.round_s,
        schedule=[_window(w) for w in tour.windows],
        every_s=tour.every_s,
        grace_s=tour.grace_s,
        state=due.state,
        due_at=due.due_at,
        next_due_at=due.next_due_at,
        last_run=run_view(last, counts.get(last.id, 0)) if last else None,
        open_runs=[run_view(r, counts.get(r.id, 0)) for r in overview.open_runs],
        cameras=[camera_view(district, c) for c in tour.cameras],
    )


# ---- handlers --------------------------------------------------------------------------------------


@documented(
    "listPatrolTours",
    "Patrol tours with whether each is due, its last round and the rounds under way",
    {200: p.TourList, 503: _UNAVAILABLE},
)
async def list_tours(request: web.Request) -> web.Response:
    service = _service(request)
    overviews = await service.tours()
    run_ids = [r.id for o in overviews for r in ([o.last_run] if o.last_run else []) + o.open_runs]
    counts = await service.view_counts(run_ids) if run_ids else {}
    district = service.district
    tours = [tour_view(o, district, counts) for o in overviews]
    return json_ok(p.TourList(timezone=district.timezone, now=request.app[SERVICES].clock(), tours=tours).dump())


@documented(
    "startPatrolRun",
    "Start a round of a tour",
    {201: Answer("Started.", p.RunStarted), 404: "No such tour.", 503: _UNAVAILABLE},
    body=p.StartRunBody,
)
async def start_run(request: web.Request) -> web.Response:
    body = await read_body(request, p.StartRunBody)
    try:
        run = await _service(request).start_run(body.tour_id, principal_of(request).actor)
    except patrol_errors.NotFound as exc:
        raise _refused(exc) from None
    return json_ok(p.RunStarted(run=run_view(run, 0)).dump(), status=201)


@documented(
    "logPatrolView",
    "Log one camera view of a round (append-only)",
    {
        201: Answer("Logged.", p.ViewLogged),
        400: "A bad field, a camera not on the tour, or an incident or warning unknown or at another site (codes "
        "invalid_view, unknown_incident, incident_elsewhere, unknown_warning, warning_elsewhere).",
        404: "No such run.",
        409: "The round is finished (run_finished).",
        503: _UNAVAILABLE,
    },
    description="`observation` needs a note; `warning_issued` the ids of the warnings sent at the camera's site; "
    "`incident_opened` the id of an incident at the camera's site (see POST /api/v1/incidents). A camera may be "
    "logged more than once in a round.",
    body=p.ViewBody,
)
async def log_view(request: web.Request) -> web.Response:
    run_id = _run_id(request)
    body = await read_body(request, p.ViewBody)
    view = ViewRequest(
        body.camera_id, body.outcome, (body.note or "").strip(), body.incident_id, tuple(body.warning_ids or ())
    )
    try:
        saved = await _service(request).log_view(run_id, view, principal_of(request).actor)
    except (patrol_errors.NotFound, patrol_errors.RunFinished, patrol_errors.Invalid) as exc:
        raise _refused(exc) from None
    return json_ok(p.ViewLogged(view=p.PatrolView.model_validate(saved)).dump(), status=201)


@documented(
    "finishPatrolRun",
    "Finish a round: what it covered (finishing it again changes nothing)",
    {200: Answer("Finished.", p.RunFinished), 404: "No such run.", 503: _UNAVAILABLE},
)
async def finish_run(request: web.Request) -> web.Response:
    run_id = _run_id(request)
    try:
        run, summary = await _service(request).finish_run(run_id, principal_of(request).actor)
    except patrol_errors.NotFound as exc:
        raise _refused(exc) from None
    finished = p.RunFinished(run=run_view(run, summary.views), summary=p.RunSummary.model_validate(summary))
    return json_ok(finished.dump())


@documented(
    "patrolLog",
    "The patrol log (supervisors): views newest first, with their tour and shift",
    {200: p.PatrolLog, 400: "A bad, repeated or unknown parameter.", 503: _UNAVAILABLE},
    description="`from`/`to` take a date (whole days in the district's time zone, `to` inclusive) or an RFC 3339 "
    "time with an offset (`to` exclusive).",
    query=p.PatrolLogQuery,
)
async def patrol_log(request: web.Request) -> web.Response:
    """The supervisor's patrol log: `from`/`to` dates (whole days in the district's time zone, `to` inclusive) or
    RFC 3339 times (`to` exclusive), `camera`, `limit` (default 200, at most 2000)."""
    query = read_query(request.query, p.PatrolLogQuery)
    service = _service(request)
    zone = ZoneInfo(service.district.timezone)
    start = _time("from", query.from_, zone, end=False) if query.from_ else None
    end = _time("to", query.to, zone, end=True) if query.to else None
    if start and end and start >= end:
        raise BadRequest("invalid_parameter", "from must be before to")
    rows = await service.log(start, end, query.camera, query.limit)
    district = service.district
    entries = []
    for view, run in rows:
        device = district.devices.get(view.camera_id)
        entries.append(
            p.LogEntry.model_validate(
                {
                    **p.PatrolView.model_validate(view).model_dump(),
                    "camera_label": device.label if device else view.camera_id,
                    "tour_id": run.tour_id,
                    "tour_name": run.tour_name,
                    "shift": run.shift,
                }
            )
        )
    return json_ok(
        p.PatrolLog.model_validate({"views": entries, "from": start, "to": end, "limit": query.limit}).dump()
    )


@documented(
    "openIncident",
    "Open an incident by hand at a site (e.g. what a patrol view showed)",
    {
        201: Answer("Opened.", p.ManualIncident),
        200: Answer("The site's open incident, with the note added.", p.ManualIncident),
        404: "No such site.",
        503: _UNAVAILABLE,
    },
    description="Opens a new incident (201) with its response timers, or, when the site already has an open "
    "incident (one open incident per site), adds the note to its timeline and answers it (200, created false). "
    "Its event_count is 0: no device raised it.",
    body=p.ManualIncidentBody,
)
async def open_incident(request: web.Request) -> web.Response:
    """An incident opened by the desk (what a patrol view showed): `site_id`, `kind` (default
    patrol_observation), `priority` 1–4 (default 3), `note`. A site with an open incident gets the note on that
    incident instead (one open incident per site): 200 with `created: false`."""
    body = await read_body(request, p.ManualIncidentBody)
    try:
        incident, created = await _service(request).open_incident(
            ManualIncident(body.site_id, body.kind, body.priority, (body.note or "").strip()),
            principal_of(request).actor,
        )
    except (patrol_errors.NotFound, patrol_errors.Invalid) as exc:
        raise _refused(exc) from None
    assert incident.id is not None
    detail = await request.app[SERVICES].queries.get_incident(incident.id)
    assert detail is not None  # just opened or noted: a missing row would be a broken store
    return json_ok(p.ManualIncident(incident=detail, created=created).dump(), status=201 if created else 200)
