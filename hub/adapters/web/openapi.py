"""The hand-written OpenAPI 3.1 description of this adapter's HTTP interface.

Kept next to the routes and checked against them by the tests: a route without a path here fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

import hub
from hub.adapters.web.api import DEFAULT_LIMIT, MAX_LIMIT, STATE_FILTERS
from hub.adapters.web.auth import ACCESS, CSRF_HEADER, SESSION_COOKIE, UNSAFE_METHODS, Access
from hub.adapters.web.errors import json_ok
from hub.adapters.web.openapi_complete import complete, speakable_text
from hub.adapters.web.openapi_console import console_paths, console_schemas
from hub.adapters.web.openapi_patrol import manual_incident_operation, patrol_paths, patrol_schemas
from hub.adapters.web.openapi_reports import reports_paths, reports_schemas
from hub.domain.incidents import IncidentState
from hub.services.auth import ROLE_PERMISSIONS, Role

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Schema:
    return _json(_ref("Error"), description)


_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
_CLOCKS = (
    "acknowledged_at",
    "dispatched_at",
    "accepted_at",
    "en_route_at",
    "on_scene_at",
    "resolved_at",
    "cancelled_at",
)


def _schemas() -> dict[str, Schema]:
    incident_properties: dict[str, Schema] = {
        "id": {"type": "integer", "minimum": 1},
        "site_id": {"type": "string"},
        "site_name": {"type": "string", "description": "The site's name (Chinese)."},
        "site_name_en": {"type": "string", "description": "The site's English name."},
        "kind": {
            "type": "string",
            "description": "What happened; new kinds may appear, clients show unknown kinds as they are.",
            "examples": [
                "panic",
                "duress",
                "intrusion",
                "tamper",
                "loitering",
                "crowd",
                "line_crossing",
                "device_offline",
            ],
        },
        "priority": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 is the most urgent."},
        "state": {"type": "string", "enum": [state.value for state in IncidentState]},
        "test": {"type": "boolean", "description": "A test press or a site in test mode: never dispatched."},
        "created_at": {**_TIME, "description": "The first event: the origin of every response-time clock."},
        "last_event_at": _TIME,
        "event_count": {
            "type": "integer",
            "minimum": 0,
            "description": "Events joined (button presses); 0 for an incident opened by hand.",
        },
        **{clock: _TIME_OR_NULL for clock in _CLOCKS},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "Stable, for programs.",
                            "examples": [
                                "invalid_parameter",
                                "invalid_id",
                                "not_found",
                                "method_not_allowed",
                                "internal_error",
                                "database_unavailable",
                                "already_acknowledged",
                                "already_closed",
                                "illegal_transition",
                            ],
                        },
                        "message": {"type": "string", "description": "For people."},
                        "params": {
                            "type": "object",
                            "description": "What the code refers to, for a console to word the refusal in its language "
                            "(e.g. already_acknowledged: by, at; already_closed: state, by, at; illegal_transition: "
                            "state, action)",
                            "additionalProperties": {"type": ["string", "integer", "null"]},
                        },
                        "since": {
                            "type": ["string", "null"],
                            "format": "date-time",
                            "description": "database_unavailable only: when the outage began, if known.",
                        },
                    },
                }
            },
        },
        "Incident": {
            "type": "object",
            "required": list(incident_properties),
            "properties": incident_properties,
        },
        "TimelineEntry": {
            "type": "object",
            "required": ["at", "actor", "action", "from_state", "to_state"],
            "properties": {
                "at": _TIME,
                "actor": {"type": "string", "examples": ["device:btn-1", "user:duty-1"]},
                "action": {"type": "string"},
                "from_state": {"type": ["string", "null"]},
                "to_state": {"type": "string"},
                "reason": {"type": "string", "description": "English text (logs, exports, older entries)"},
                "reason_code": {
                    "type": "string",
                    "description": "The reason as a code for the console to word in its language ('' when free text)",
                    "examples": ["escalated", "route_grid", "opened_by_device", "disposition"],
                },
                "reason_params": {
                    "type": "object",
                    "description": "The code's parameters: ids, counts and codes (names are looked up by the reader)",
                    "additionalProperties": {"type": ["string", "integer"]},
                },
                "actor_name": {"type": ["string", "null"], "description": "A console user's display name"},
            },
        },
        "IncidentEvent": {
            "type": "object",
            "required": ["device_id", "event_id", "type", "occurred_at", "received_at"],
            "properties": {
                "device_id": {"type": "string"},
                "event_id": {"type": "string"},
                "type": {"type": "string"},
                "occurred_at": _TIME,
                "received_at": _TIME,
            },
        },
        "IncidentDetail": {
            "allOf": [
                _ref("Incident"),
                {
                    "type": "object",
                    "required": ["timeline", "events", "dispatches", "warnings", "media"],
                    "properties": {
                        "timeline": {"type": "array", "items": _ref("TimelineEntry")},
                        "events": {"type": "array", "items": _ref("IncidentEvent")},
                        "dispatches": {"type": "array", "items": {"type": "object"}},
                        "warnings": {"type": "array", "items": {"type": "object"}},
                        "media": {"type": "array", "items": {"type": "object"}},
                        "steps": {
                            "type": "array",
                            "items": {"type": "object"},
                            "description": "guided response: id, label {zh-CN, en}, required, done_by, role, done "
                            "(null or {done_at, actor, actor_name, note, automatic})",
                        },
                    },
                },
            ]
        },
        "Site": {
            "type": "object",
            "required": ["id", "name", "name_en", "kind", "grid_id", "test_mode", "devices"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "name_en": {"type": "string"},
                "kind": {"type": "string", "examples": ["school", "hospital", "bank", "petrol_station"]},
                "grid_id": {"type": "string"},
                "address": {"type": "string"},
                "lat": {"type": ["number", "null"]},
                "lon": {"type": ["number", "null"]},
                "contact_name": {"type": "string"},
                "contact_phone": {"type": "string"},
                "test_mode": {"type": "boolean"},
                "devices": {"type": "array", "items": {"type": "string"}, "description": "Device ids."},
            },
        },
        "Device": {
            "type": "object",
            "required": ["id", "site_id", "kind", "report_interval_s"],
            "properties": {
                "id": {"type": "string"},
                "site_id": {"type": "string"},
                "kind": {"type": "string", "examples": ["button", "camera", "speaker", "panel"]},
                "label": {"type": "string"},
                "label_en": {"type": "string", "description": "English label (falls back to label)"},
                "zones": {
                    "type": "array",
                    "description": "A camera's analysis zones: events name the id; people see name / name_en",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "name_en"],
                        "properties": {
                            "id": {"type": "string"},
                            "name": {"type": "string"},
                            "name_en": {"type": "string"},
                        },
                    },
                },
                "report_interval_s": {"type": "integer", "minimum": 1},
            },
        },
        "Officer": {
            "type": "object",
            "required": ["id", "name", "role"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "name_en": {"type": "string", "description": "English name (falls back to name)"},
                "role": {"type": "string", "enum": ["officer", "supervisor"]},
                "phone": {"type": "string"},
                "grid_id": {"type": ["string", "null"]},
            },
        },
        "User": {
            "type": "object",
            "required": ["username", "role", "officer_id", "display_name"],
            "properties": {
                "username": {"type": "string", "description": "The username, or an API token's name."},
                "role": {"type": "string", "enum": [role.value for role in Role]},
                "officer_id": {"type": ["string", "null"], "description": "The officer this account is."},
                "display_name": {"type": "string"},
            },
        },
        "Session": {
            "type": "object",
            "required": ["user", "auth", "csrf_token"],
            "properties": {
                "user": _ref("User"),
                "auth": {"type": "string", "enum": ["session", "token"]},
                "csrf_token": {
                    "type": ["string", "null"],
                    "description": f"Send it as `{CSRF_HEADER}` with every POST, PUT, PATCH and DELETE "
                    "made with the session cookie. Null for API tokens, which need none.",
                },
            },
        },
        "LoginRequest": {
            "type": "object",
            "required": ["username", "password"],
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "password": {"type": "string", "minLength": 1, "maxLength": 1024, "format": "password"},
            },
        },
        "Readiness": {
            "type": "object",
            "required": ["status", "probes"],
            "properties": {
                "status": {"type": "string", "enum": ["ready", "not_ready"]},
                "probes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "ready"],
                        "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}},
                    },
                },
                "dependencies": {"type": "array", "items": _ref("Dependency")},
                "failing": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The dependencies not up (down, or not checked yet).",
                },
            },
        },
        "Dependency": {
            "type": "object",
            "required": ["name", "up", "since"],
            "properties": {
                "name": {"type": "string", "enum": ["database", "broker", "change_feed"]},
                "up": {"type": ["boolean", "null"], "description": "null: not checked yet."},
                "since": {"type": "string", "format": "date-time", "description": "When this state began."},
                "error": {"type": "string", "description": "/readyz only: the kind of failure."},
            },
        },
        "StreamMessage": {
            "description": "A server → client frame of /api/v1/stream. Other types may be added; "
            "clients ignore types they do not know.",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["type", "incidents"],
                    "properties": {
                        "type": {"const": "snapshot"},
                        "incidents": {"type": "array", "items": _ref("Incident")},
                    },
                },
                {
                    "type": "object",
                    "required": ["type", "incident"],
                    "properties": {"type": {"const": "incident"}, "incident": _ref("Incident")},
                },
                {"type": "object", "required": ["type"], "properties": {"type": {"const": "resync"}}},
                {"type": "object", "required": ["type"], "properties": {"type": {"const": "pong"}}},
                {
                    "type": "object",
                    "required": ["type", "ok", "dependencies"],
                    "properties": {
                        "type": {"const": "health"},
                        "ok": {"type": "boolean"},
                        "dependencies": {"type": "array", "items": _ref("Dependency")},
                    },
                },
            ],
        },
    }


WEBSOCKETS = "x-websockets"
WEBSOCKET_PATHS = ("/api/v1/stream", "/api/v1/me/stream")

_STREAM_DESCRIPTION = """\
WebSocket (JSON text frames). On connect the server subscribes to changes, sends
`{"type": "health", "ok": ..., "dependencies": [...]}` (again whenever the database, the broker link
or the change feed goes down or comes back), then `{"type": "snapshot", "incidents": [...]}` with
every open incident (while the database is down: as soon as it is back), then every change as it is
committed: `{"type": "incident", "incident": {...}}` (an incident in a final state leaves the open
set), `{"type": "resync"}` (changes were lost: reload the open incidents, or reconnect), and other
types unchanged. A client may send `{"type": "ping"}` and gets `{"type": "pong"}`, to notice a dead
link. The server pings every 20 s and closes with 1001 when the hub shuts down."""


def _id_param(name: str = "id") -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _body(properties: Schema, required: list[str] | None = None, *rules: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if rules:
        schema["allOf"] = list(rules)
    return {"required": bool(required or rules), "content": {"application/json": {"schema": schema}}}


def _exactly_one(*names: str) -> Schema:
    """Exactly one of these string members is given (null counts as absent)."""
    return {"oneOf": [{"required": [name], "properties": {name: {"type": "string"}}} for name in names]}


def _incident_action(operation: str, summary: str, body: Schema | None = None) -> Schema:
    action: Schema = {
        "operationId": operation,
        "summary": summary,
        "parameters": [_id_param()],
        "responses": {
            "200": _json(_ref("IncidentDetail"), "The incident after the action."),
            "400": _error("A bad id or body."),
            "404": _error("No such incident (or officer)."),
            "409": _error("Not possible in the incident's present state."),
        },
    }
    if body is not None:
        action["requestBody"] = body
    return {"post": action}


_LOOSE_OBJECT: Schema = {"type": "object"}
_WARNING_STATES = ["sent", "received", "playing", "done", "failed", "expired"]
_WARNING_BODY: Schema = {
    "message_id": {"type": "string"},
    "text": speakable_text(500),
    "lang": {"type": "string", "enum": ["zh-CN", "en"]},
    "repeat": {"type": "integer", "minimum": 1, "maximum": 10},
    "expires_s": {"type": "integer", "minimum": 5, "maximum": 600, "description": "not played by then: expired"},
}


# The handshake's headers (RFC 6455): a plain GET without them is answered 400.
_WEBSOCKET_HANDSHAKE: list[Schema] = [
    {"name": "Upgrade", "in": "header", "required": True, "schema": {"const": "websocket"}},
    {"name": "Connection", "in": "header", "required": True, "schema": {"const": "Upgrade"}},
    {"name": "Sec-WebSocket-Version", "in": "header", "required": True, "schema": {"const": "13"}},
    {
        "name": "Sec-WebSocket-Key",
        "in": "header",
        "required": True,
        "description": "16 random bytes, base64.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/]{21}[AQgw]==$"},
    },
]


def _lifecycle_paths() -> dict[str, Schema]:
    dispositions = ["genuine", "false_alarm", "test", "malicious", "other"]
    note = {"type": "string", "maxLength": 2000}
    return {
        "/api/v1/incidents/{id}/ack": _incident_action("acknowledgeIncident", "Acknowledge (the desk has seen it)"),
        "/api/v1/incidents/{id}/dispatch": _incident_action(
            "dispatchIncident",
            "Send an officer: the one named, or the first the routing rules choose",
            _body({"officer_id": {"type": "string"}}),
        ),
        "/api/v1/incidents/{id}/resolve": _incident_action(
            "resolveIncident",
            "Resolve with a disposition",
            _body(
                {
                    "disposition": {"type": "string", "enum": dispositions},
                    "note": note,
                    "steps_reason": {
                        **note,
                        "description": "why required response steps are open (else 409 `steps_open`); recorded",
                    },
                },
                ["disposition"],
            ),
        ),
        "/api/v1/incidents/{id}/steps/{step}": {
            "post": {
                **_incident_action(
                    "completeStep", "Mark a response step done (guided response)", _body({"note": note})
                )["post"],
                "parameters": [
                    _id_param(),
                    {"name": "step", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
            }
        },
        "/api/v1/incidents/{id}/cancel": _incident_action(
            "cancelIncident", "Cancel (a test, or a mistaken press confirmed with the guard)", _body({"note": note})
        ),
        "/api/v1/incidents/{id}/candidates": {
            "get": {
                "operationId": "rankOfficers",
                "summary": "Officers in routing order (grid → nearest → supervisor) with availability",
                "parameters": [_id_param()],
                "responses": {
                    "200": _json(
                        _LOOSE_OBJECT, "`{candidates: [{officer_id, name, rule, distance_m, available, why_not}]}`"
                    ),
                    "404": _error("No such incident."),
                },
            }
        },
        "/api/v1/roster": {
            "get": {
                "operationId": "getRoster",
                "summary": "Weekly shifts, coverage gaps, who is on shift and who is signed on",
                "responses": {"200": _json(_LOOSE_OBJECT, "`{timezone, shifts, gaps, officers}`")},
            }
        },
        "/api/v1/me/dispatches": {
            "get": {
                "operationId": "myDispatches",
                "summary": "The signed-in officer's dispatches (active; `?all=1`: the last 50)",
                "responses": {"200": _json(_LOOSE_OBJECT, "`{dispatches: [...]}`")},
            }
        },
        "/api/v1/me/duty": {
            "post": {
                "operationId": "signOn",
                "summary": "Sign on or off duty (the daily sign-in)",
                "requestBody": _body({"on_duty": {"type": "boolean"}}, ["on_duty"]),
                "responses": {"200": _json(_LOOSE_OBJECT, "The new duty state."), "400": _error("Bad body.")},
            }
        },
        "/api/v1/me/location": {
            "post": {
                "operationId": "shareLocation",
                "summary": "Share the officer's location (used for the nearest-officer rule and ETAs)",
                "requestBody": _body({"lat": {"type": "number"}, "lon": {"type": "number"}}, ["lat", "lon"]),
                "responses": {"200": _json(_LOOSE_OBJECT, "Recorded."), "400": _error("Bad body.")},
            }
        },
        "/api/v1/me/dispatches/{dispatch_id}/reply": {
            "post": {
                "operationId": "replyToDispatch",
                "summary": "Answer a dispatch: accept, decline, en_route, on_scene or resolved",
                "parameters": [_id_param("dispatch_id")],
                "requestBody": _body(
                    {
                        "action": {"type": "string", "enum": ["accept", "decline", "en_route", "on_scene", "resolved"]},
                        "note": note,
                        "lat": {"type": "number"},
                        "lon": {"type": "number"},
                        "disposition": {"type": "string", "enum": dispositions},
                    },
                    ["action"],
                ),
                "responses": {
                    "200": _json(_LOOSE_OBJECT, "`{dispatch, incident_state}`"),
                    "403": _error("Not this officer's dispatch."),
                    "404": _error("No such dispatch."),
                    "409": _error("Not possible in the dispatch's present state."),
                },
            }
        },
        "/api/v1/media/{id}": {
            "get": {
                "operationId": "getMedia",
                "summary": "A camera snapshot (JPEG) or clip (WebM) kept by the hub; supports Range requests",
                "parameters": [_id_param()],
                "responses": {
                    "200": {"description": "The file.", "content": {"image/jpeg": {}, "video/webm": {}}},
                    "404": _error("No such media, or no longer kept."),
                },
            }
        },
        "/api/v1/messages": {
            "get": {
                "operationId": "listMessages",
                "summary": "The loudspeaker message library (texts per language)",
                "responses": {"200": _json(_LOOSE_OBJECT, "`{messages: [{id, texts, languages}]}`")},
            }
        },
        "/api/v1/warnings": {
            "get": {
                "operationId": "listWarnings",
                "summary": "Loudspeaker warnings, newest first, each with its speaker's latest answer",
                "parameters": [
                    {"name": "incident_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": _WARNING_STATES}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                ],
                "responses": {"200": _json(_LOOSE_OBJECT, "`{warnings: [...]}`"), "400": _error("Bad filter.")},
            },
            "post": {
                "operationId": "sendWarning",
                "summary": "Play a spoken warning on a speaker, or on every speaker of a site",
                "requestBody": _body(
                    _WARNING_BODY
                    | {
                        "speaker_id": {"type": "string"},
                        "site_id": {"type": "string"},
                        "incident_id": {"type": "integer"},
                    },
                    None,
                    _exactly_one("message_id", "text"),
                    _exactly_one("speaker_id", "site_id"),
                ),
                "responses": {
                    "202": _json(_LOOSE_OBJECT, "`{warnings: [...]}`: sent; acks follow on the stream"),
                    "400": _error("Bad body."),
                    "404": _error("Unknown speaker, site, message or incident."),
                },
            },
        },
        "/api/v1/me/warnings": {
            "post": {
                "operationId": "officerWarning",
                "summary": "An officer warns on the speakers at the site of one of their open dispatches",
                "requestBody": _body(
                    _WARNING_BODY | {"dispatch_id": {"type": "integer"}},
                    ["dispatch_id"],
                    _exactly_one("message_id", "text"),
                ),
                "responses": {"202": _json(_LOOSE_OBJECT, "`{warnings: [...]}`"), "400": _error("Bad body.")},
            }
        },
        "/audio/{key}.wav": {
            "get": {
                "operationId": "getAudio",
                "summary": "Rendered speech by content hash (what speakers download)",
                "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "WAV audio.", "content": {"audio/wav": {}}},
                    "404": _error("No such audio."),
                },
            }
        },
        "/api/v1/me/stream": {
            "get": {
                "operationId": "officerStream",
                "summary": "WebSocket: a snapshot of the officer's active dispatches, then each change",
                "parameters": _WEBSOCKET_HANDSHAKE,
                "responses": {"101": {"description": "Switching to the WebSocket protocol."}},
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    states = sorted(STATE_FILTERS)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Sentinel hub",
            "version": hub.__version__,
            "description": "The duty desk's API: incidents, the district registry, a live stream and "
            'operations endpoints. Errors are JSON: `{"error": {"code", "message"}}`. Authenticate with the '
            "console's session cookie (plus `X-CSRF-Token` on state-changing requests) or a bearer API token; "
            "`x-sentinel-roles` names the roles an operation allows.",
        },
        "paths": {
            **_lifecycle_paths(),
            **console_paths(),
            **reports_paths(),  # supervisors' reports (openapi_reports.py)
            **patrol_paths(),  # video patrol and live camera views (openapi_patrol.py)
            "/api/v1/incidents": {
                "get": {
                    "operationId": "listIncidents",
                    "summary": "List incidents",
                    "parameters": [
                        {
                            "name": "state",
                            "in": "query",
                            "description": "A state; `open` (every state but resolved and cancelled, "
                            "the default) or `all`.",
                            "schema": {"type": "string", "enum": states, "default": "open"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT,
                            },
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["incidents"],
                                "properties": {"incidents": {"type": "array", "items": _ref("Incident")}},
                            },
                            "The incidents.",
                        ),
                        "400": _error("A bad `state` or `limit`."),
                    },
                }
            },
            "/api/v1/incidents/{id}": {
                "get": {
                    "operationId": "getIncident",
                    "summary": "One incident with its timeline, events, dispatches, warnings and media",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref("IncidentDetail"), "The incident."),
                        "400": _error("The id is not a positive integer."),
                        "404": _error("No such incident."),
                    },
                }
            },
            "/api/v1/sites": {
                "get": {
                    "operationId": "listSites",
                    "summary": "The district's key units",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["sites"],
                                "properties": {"sites": {"type": "array", "items": _ref("Site")}},
                            },
                            "The sites.",
                        )
                    },
                }
            },
            "/api/v1/devices": {
                "get": {
                    "operationId": "listDevices",
                    "summary": "Every registered device",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["devices"],
                                "properties": {"devices": {"type": "array", "items": _ref("Device")}},
                            },
                            "The devices.",
                        )
                    },
                }
            },
            "/api/v1/officers": {
                "get": {
                    "operationId": "listOfficers",
                    "summary": "The station's officers and supervisors",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["officers"],
                                "properties": {"officers": {"type": "array", "items": _ref("Officer")}},
                            },
                            "The officers.",
                        )
                    },
                }
            },
            "/api/v1/stream": {
                "get": {
                    "operationId": "stream",
                    "summary": "Live changes (WebSocket)",
                    "description": _STREAM_DESCRIPTION,
                    "parameters": [
                        {
                            "name": "token",
                            "in": "query",
                            "description": "An API token, for clients that cannot set `Authorization` "
                            "(accepted on this WebSocket handshake only).",
                            "schema": {"type": "string"},
                        },
                        *_WEBSOCKET_HANDSHAKE,
                    ],
                    "responses": {
                        "101": {
                            "description": "Switching to the WebSocket protocol; each frame is a StreamMessage "
                            "(`x-sentinel-frames`).",
                            "x-sentinel-frames": _ref("StreamMessage"),
                        },
                        "400": _error("Not a WebSocket upgrade request."),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
            "/api/v1/auth/login": {
                "post": {
                    "operationId": "login",
                    "summary": "Sign in: sets the session cookie and returns the CSRF token",
                    "description": f"Sets `{SESSION_COOKIE}` (HttpOnly, SameSite=Strict; Secure behind HTTPS). "
                    "After 5 failures for a username or from an address within 5 minutes, answers 429 "
                    "with `Retry-After`.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("LoginRequest")}},
                    },
                    "responses": {
                        "200": _json(_ref("Session"), "Signed in."),
                        "400": _error("Not a JSON object with a username and a password."),
                        "401": _error("Wrong username or password."),
                        "403": _error("Sent from another origin."),
                        "429": _error("Too many failed sign-ins; see Retry-After."),
                    },
                }
            },
            "/api/v1/auth/logout": {
                "post": {
                    "operationId": "logout",
                    "summary": "Sign out: the session ends, its cookie no longer works",
                    "responses": {
                        "204": {"description": "Signed out; the cookie is cleared."},
                        "403": _error("Called with an API token, which is revoked with `sentinel token revoke`."),
                    },
                }
            },
            "/api/v1/auth/me": {
                "get": {
                    "operationId": "me",
                    "summary": "Who is signed in, with the session's CSRF token",
                    "responses": {"200": _json(_ref("Session"), "The principal.")},
                }
            },
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness: the process answers",
                    "responses": {
                        "200": _json({"type": "object", "properties": {"status": {"const": "ok"}}}, "Alive.")
                    },
                }
            },
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "Readiness: every dependency is up",
                    "responses": {
                        "200": _json(_ref("Readiness"), "Ready."),
                        "503": _json(_ref("Readiness"), "At least one probe is not ready."),
                    },
                }
            },
            "/metrics": {
                "get": {
                    "operationId": "metrics",
                    "summary": "Prometheus metrics",
                    "responses": {
                        "200": {
                            "description": "Prometheus text exposition format 0.0.4.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/": {
                "get": {
                    "operationId": "console",
                    "summary": "The duty desk console (HTML; its assets are under /static/)",
                    "responses": {
                        "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}
                    },
                }
            },
            "/officer": {
                "get": {
                    "operationId": "officerApp",
                    "summary": "The officers' mobile app (HTML; its assets are under /static/)",
                    "responses": {
                        "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}
                    },
                }
            },
            "/login": {
                "get": {
                    "operationId": "loginPage",
                    "summary": "The sign-in page (HTML); `?next=` is where to go afterwards (a path on this hub)",
                    "responses": {
                        "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}
                    },
                }
            },
        },
        "components": {
            "schemas": {**_schemas(), **console_schemas(), **reports_schemas(), **patrol_schemas()},
            "securitySchemes": {
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": f"The console's session (POST /api/v1/auth/login). State-changing requests "
                    f"also need the `{CSRF_HEADER}` header.",
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `sentinel token create --role ROLE --name NAME`.",
                },
            },
        },
        "security": [{"cookieAuth": []}, {"bearerAuth": []}],
    }
    document["paths"]["/api/v1/incidents"]["post"] = manual_incident_operation()
    # OpenAPI describes request and response, not a WebSocket: as operations, HTTP clients and fuzzers would take
    # the 101 for an answer. The handshakes are described here, in the same shape, outside `paths`.
    document[WEBSOCKETS] = {path: document["paths"].pop(path) for path in WEBSOCKET_PATHS}
    return document


def _roles_with(access: Access) -> list[str]:
    return [role.value for role, granted in ROLE_PERMISSIONS.items() if access.permission in granted]


def annotate_access(document: dict[str, Any], access: Mapping[tuple[str, str], Access]) -> dict[str, Any]:
    """Mark each operation with what its route really requires (from the app's route table), so the
    document cannot drift from the middleware: public operations need no security, the others
    answer 401 (pages redirect to the sign-in page), and 403 when a role or the CSRF token is wrong."""
    for (path, method), needed in access.items():
        operation = (document["paths"].get(path) or document[WEBSOCKETS].get(path) or {}).get(method)
        if operation is None:
            continue
        responses = operation["responses"]
        if needed.public:
            operation["security"] = []
            continue
        if needed.page:
            responses.setdefault("302", {"description": "Not signed in: redirected to /login?next=…"})
        else:
            responses.setdefault("401", _error("Not signed in, or the token is unknown or revoked."))
        refusals = []
        if needed.permission is not None:
            operation["x-sentinel-permission"] = needed.permission.value
            operation["x-sentinel-roles"] = _roles_with(needed)
            refusals.append(f"the role lacks `{needed.permission.value}`")
        if method.upper() in UNSAFE_METHODS:
            refusals.append(f"a cookie session sent no or a wrong `{CSRF_HEADER}`")
            operation.setdefault("parameters", []).append(
                {
                    "name": CSRF_HEADER,
                    "in": "header",
                    "description": "The session's CSRF token (cookie sessions only).",
                    "schema": {"type": "string"},
                }
            )
        if path == "/api/v1/stream":
            refusals.append("a cookie session from another origin")
        if refusals:
            responses.setdefault("403", _error("Refused: " + "; or ".join(refusals) + "."))
    return document


async def openapi(request: web.Request) -> web.Response:
    access = {
        (route.resource.canonical, route.method.lower()): needed
        for route, needed in request.app[ACCESS].items()
        if route.resource is not None and route.method != "HEAD"
    }
    return json_ok(complete(annotate_access(openapi_document(), access)))
