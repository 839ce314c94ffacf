"""OpenAPI paths of video patrol: tours, rounds and their log, live camera views, and incidents opened by hand.
Merged into the document by openapi.py."""

from __future__ import annotations

from typing import Any

from hub.adapters.web.live_view import MAX_FPS, NO_LIVE_VIEW
from hub.adapters.web.patrol_api import DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT
from hub.domain.patrol import MAX_NOTE, MAX_WARNINGS_PER_VIEW, Outcome, TourState

Schema = dict[str, Any]

_TIME: Schema = {"type": "string", "format": "date-time"}
_TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
_OUTCOMES = [o.value for o in Outcome]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Schema:
    return _json(_ref("Error"), description)


def _body(schema: Schema) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _id(description: str) -> Schema:
    return {"name": "id", "in": "path", "required": True, "description": description, "schema": {"type": "integer"}}


def patrol_schemas() -> dict[str, Schema]:
    return {
        "PatrolCamera": {
            "type": "object",
            "required": ["id", "label", "site_id", "speakers", "live", "live_url", "snapshot_url"],
            "properties": {
                "id": {"type": "string"},
                "label": {"type": "string"},
                "site_id": {"type": ["string", "null"]},
                "site_name": {"type": ["string", "null"]},
                "site_name_en": {"type": ["string", "null"]},
                "speakers": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Where a warning about this camera plays (its linked speakers, else its site's).",
                },
                "live": {
                    "type": "string",
                    "enum": ["mjpeg", "rtsp", "file", "none"],
                    "description": "`mjpeg`: the hub relays it (live_url, snapshot_url); otherwise no live view.",
                },
                "live_url": {"type": ["string", "null"]},
                "snapshot_url": {"type": ["string", "null"]},
            },
        },
        "PatrolRun": {
            "type": "object",
            "required": ["id", "tour_id", "cameras", "dwell_s", "started_by", "started_at", "shift", "finished_at"],
            "properties": {
                "id": {"type": "integer"},
                "tour_id": {"type": "string"},
                "tour_name": {"type": "string"},
                "cameras": {"type": "array", "items": {"type": "string"}, "description": "As when it started."},
                "dwell_s": {"type": "integer"},
                "started_by": {"type": "string"},
                "started_at": _TIME,
                "shift": {"type": "string", "examples": ["2026-10-05 night"]},
                "finished_at": _TIME_OR_NULL,
                "finished_by": {"type": ["string", "null"]},
                "views": {"type": "integer", "description": "Views logged so far."},
            },
        },
        "PatrolView": {
            "type": "object",
            "required": ["id", "run_id", "camera_id", "site_id", "viewed_at", "outcome", "note", "logged_by"],
            "properties": {
                "id": {"type": "integer"},
                "run_id": {"type": "integer"},
                "camera_id": {"type": "string"},
                "site_id": {"type": "string"},
                "viewed_at": _TIME,
                "outcome": {"type": "string", "enum": _OUTCOMES},
                "note": {"type": "string"},
                "incident_id": {"type": ["integer", "null"]},
                "warning_ids": {"type": "array", "items": {"type": "integer"}},
                "logged_by": {"type": "string"},
            },
        },
        "PatrolTour": {
            "type": "object",
            "required": ["id", "name", "dwell_s", "state", "cameras", "last_run", "open_runs"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "name_en": {"type": "string"},
                "dwell_s": {"type": "integer"},
                "round_s": {"type": "integer", "description": "cameras × dwell_s"},
                "schedule": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "days": {"type": "array", "items": {"type": "string"}},
                            "from": {"type": "string"},
                            "to": {"type": "string"},
                        },
                    },
                },
                "every_s": {"type": ["integer", "null"]},
                "grace_s": {"type": "integer", "description": "Overdue this long after falling due."},
                "state": {"type": "string", "enum": [s.value for s in TourState]},
                "due_at": {**_TIME_OR_NULL, "description": "When the round now due fell due (null: never run)."},
                "next_due_at": {**_TIME_OR_NULL, "description": "When the next round falls due (not due now)."},
                "last_run": {"anyOf": [_ref("PatrolRun"), {"type": "null"}]},
                "open_runs": {"type": "array", "items": _ref("PatrolRun"), "description": "Rounds under way."},
                "cameras": {"type": "array", "items": _ref("PatrolCamera")},
            },
        },
    }


def patrol_paths() -> dict[str, Schema]:
    not_found = _error("No such run.")
    return {
        "/api/v1/patrol/tours": {
            "get": {
                "operationId": "listPatrolTours",
                "summary": "Patrol tours with whether each is due, its last round and the rounds under way",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["timezone", "now", "tours"],
                            "properties": {
                                "timezone": {"type": "string"},
                                "now": _TIME,
                                "tours": {"type": "array", "items": _ref("PatrolTour")},
                            },
                        },
                        "The tours, in the district file's order.",
                    )
                },
            }
        },
        "/api/v1/patrol/runs": {
            "post": {
                "operationId": "startPatrolRun",
                "summary": "Start a round of a tour",
                "requestBody": _body(
                    {"type": "object", "required": ["tour_id"], "properties": {"tour_id": {"type": "string"}}}
                ),
                "responses": {
                    "201": _json({"type": "object", "properties": {"run": _ref("PatrolRun")}}, "Started."),
                    "400": _error("No tour_id."),
                    "404": _error("No such tour."),
                },
            }
        },
        "/api/v1/patrol/runs/{id}/views": {
            "post": {
                "operationId": "logPatrolView",
                "summary": "Log one camera view of a round (append-only)",
                "description": "`observation` needs a note; `warning_issued` the ids of the warnings sent at the "
                "camera's site; `incident_opened` the id of an incident at the camera's site (see POST "
                "/api/v1/incidents). A camera may be logged more than once in a round.",
                "parameters": [_id("The round.")],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["camera_id", "outcome"],
                        "properties": {
                            "camera_id": {"type": "string"},
                            "outcome": {"type": "string", "enum": _OUTCOMES},
                            "note": {"type": "string", "maxLength": MAX_NOTE},
                            "incident_id": {"type": ["integer", "null"]},
                            "warning_ids": {
                                "type": "array",
                                "items": {"type": "integer"},
                                "maxItems": MAX_WARNINGS_PER_VIEW,
                            },
                        },
                    }
                ),
                "responses": {
                    "201": _json({"type": "object", "properties": {"view": _ref("PatrolView")}}, "Logged."),
                    "400": _error(
                        "A bad field, a camera not on the tour, or an incident or warning unknown or at another "
                        "site (codes invalid_view, unknown_incident, incident_elsewhere, unknown_warning, "
                        "warning_elsewhere)."
                    ),
                    "404": not_found,
                    "409": _error("The round is finished."),
                },
            }
        },
        "/api/v1/patrol/runs/{id}/finish": {
            "post": {
                "operationId": "finishPatrolRun",
                "summary": "Finish a round: what it covered (finishing it again changes nothing)",
                "parameters": [_id("The round.")],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "run": _ref("PatrolRun"),
                                "summary": {
                                    "type": "object",
                                    "properties": {
                                        "views": {"type": "integer"},
                                        "cameras": {"type": "integer"},
                                        "cameras_viewed": {"type": "array", "items": {"type": "string"}},
                                        "cameras_missed": {"type": "array", "items": {"type": "string"}},
                                        "by_outcome": {"type": "object", "additionalProperties": {"type": "integer"}},
                                    },
                                },
                            },
                        },
                        "Finished.",
                    ),
                    "404": not_found,
                },
            }
        },
        "/api/v1/patrol/log": {
            "get": {
                "operationId": "patrolLog",
                "summary": "The patrol log (supervisors): views newest first, with their tour and shift",
                "description": "`from`/`to` take a date (whole days in the district's time zone, `to` inclusive) or an "
                "RFC 3339 time with an offset (`to` exclusive).",
                "parameters": [
                    {"name": "from", "in": "query", "schema": {"type": "string"}},
                    {"name": "to", "in": "query", "schema": {"type": "string"}},
                    {"name": "camera", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_LOG_LIMIT,
                            "default": DEFAULT_LOG_LIMIT,
                        },
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "views": {
                                    "type": "array",
                                    "items": {
                                        "allOf": [
                                            _ref("PatrolView"),
                                            {
                                                "type": "object",
                                                "properties": {
                                                    "camera_label": {"type": "string"},
                                                    "tour_id": {"type": "string"},
                                                    "tour_name": {"type": "string"},
                                                    "shift": {"type": "string"},
                                                },
                                            },
                                        ]
                                    },
                                },
                                "from": _TIME_OR_NULL,
                                "to": _TIME_OR_NULL,
                                "limit": {"type": "integer"},
                            },
                        },
                        "The views.",
                    ),
                    "400": _error("A bad or unknown parameter."),
                },
            }
        },
        "/api/v1/cameras/{id}/live": {
            "get": {
                "operationId": "cameraLive",
                "summary": "A camera's live view, relayed by the hub (MJPEG, for an <img>)",
                "description": f"Only for cameras whose stream is HTTP MJPEG; at most {MAX_FPS:g} frames a second. "
                "The hub closes its connection to the camera when the viewer goes.",
                "parameters": [_id("The camera's device id.") | {"schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "`multipart/x-mixed-replace` of JPEG images.",
                        "content": {"multipart/x-mixed-replace": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "404": _error(
                        "No such camera, or no live view: "
                        + "; ".join(f"`{code}` ({message})" for code, message in NO_LIVE_VIEW.values())
                    ),
                    "502": _error("The camera cannot be read."),
                    "503": _error("Too many live views open (too_many_viewers)."),
                },
            }
        },
        "/api/v1/cameras/{id}/snapshot": {
            "get": {
                "operationId": "cameraSnapshot",
                "summary": "One JPEG from a camera's MJPEG stream (the fallback for live view)",
                "parameters": [_id("The camera's device id.") | {"schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "A JPEG.", "content": {"image/jpeg": {}}},
                    "404": _error("No such camera, or no HTTP stream."),
                    "502": _error("The camera cannot be read."),
                    "503": _error("Too many live views open."),
                },
            }
        },
    }


def manual_incident_operation() -> Schema:
    """POST /api/v1/incidents, which shares its path with the incident list."""
    return {
        "operationId": "openIncident",
        "summary": "Open an incident by hand at a site (e.g. what a patrol view showed)",
        "description": "Opens a new incident (201) with its response timers, or, when the site already has an open "
        "incident (one open incident per site), adds the note to its timeline and answers it (200, created false). "
        "Its event_count is 0: no device raised it.",
        "requestBody": _body(
            {
                "type": "object",
                "required": ["site_id"],
                "properties": {
                    "site_id": {"type": "string"},
                    "kind": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$", "default": "patrol_observation"},
                    "priority": {"type": "integer", "minimum": 1, "maximum": 4, "default": 3},
                    "note": {"type": "string", "maxLength": MAX_NOTE},
                },
            }
        ),
        "responses": {
            "201": _json(
                {
                    "type": "object",
                    "properties": {"incident": _ref("IncidentDetail"), "created": {"type": "boolean", "const": True}},
                },
                "Opened.",
            ),
            "200": _json(
                {
                    "type": "object",
                    "properties": {"incident": _ref("IncidentDetail"), "created": {"type": "boolean", "const": False}},
                },
                "The site's open incident, with the note added.",
            ),
            "400": _error("A bad field."),
            "404": _error("No such site."),
        },
    }
