"""OpenAPI paths of the duty desk console's own reads and notes: the district, device health, the
supervisor's history search and timeline notes. Merged into the document by openapi.py."""

from __future__ import annotations

from typing import Any

from hub.adapters.web.desk import FAULTS
from hub.adapters.web.history import DEFAULT_PAGE, DISPOSITIONS, MAX_OFFSET, MAX_PAGE, STATES
from hub.adapters.web.openapi_complete import NOT_BLANK_PATTERN

Schema = dict[str, Any]

_TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def console_schemas() -> dict[str, Schema]:
    seconds = {"type": "integer", "minimum": 1}
    return {
        "District": {
            "type": "object",
            "required": ["id", "name", "timezone", "targets", "auto_dispatch", "grids"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "name_en": {"type": "string", "description": "The name in English mode (else the name)"},
                "timezone": {"type": "string", "examples": ["Asia/Shanghai"]},
                "targets": {
                    "type": "array",
                    "description": "Response targets per priority: to acknowledgement and to arrival from the "
                    "first event; to acceptance from the dispatch.",
                    "items": {
                        "type": "object",
                        "required": ["priority", "ack_s", "accept_s", "arrival_s"],
                        "properties": {
                            "priority": {"type": "integer", "minimum": 1, "maximum": 4},
                            "ack_s": seconds,
                            "accept_s": seconds,
                            "arrival_s": seconds,
                        },
                    },
                },
                "auto_dispatch": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "description": "Priorities the hub dispatches by itself.",
                },
                "grids": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "officer_id", "assistant_ids", "site_ids"],
                        "properties": {
                            "id": {"type": "string"},
                            "name": {"type": "string"},
                            "name_en": {"type": "string", "description": "English name (falls back to name)."},
                            "officer_id": {"type": ["string", "null"], "description": "The responsible officer."},
                            "assistant_ids": {"type": "array", "items": {"type": "string"}},
                            "site_ids": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "DeviceHealth": {
            "type": "object",
            "required": ["id", "site_id", "kind", "state", "heard", "faults", "open_faults"],
            "properties": {
                "id": {"type": "string"},
                "site_id": {"type": "string"},
                "kind": {"type": "string"},
                "label": {"type": "string"},
                "report_interval_s": {"type": "integer"},
                "state": {"type": "string", "enum": ["online", "offline", "never_heard"]},
                "heard": {"type": "boolean", "description": "Anything (event or status) ever heard from it."},
                "online": {"type": ["boolean", "null"], "description": "Supervision's verdict; null: not supervised."},
                "last_seen_at": _TIME_OR_NULL,
                "offline_since": _TIME_OR_NULL,
                "deadline_at": {**_TIME_OR_NULL, "description": "Offline if nothing is heard by then."},
                "battery": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
                "low_battery": {"type": "boolean"},
                "rssi": {"type": ["integer", "null"]},
                "firmware": {"type": ["string", "null"]},
                "status_state": {"type": ["string", "null"], "enum": ["online", "offline", None]},
                "status_reported_at": _TIME_OR_NULL,
                "faults": {"type": "array", "items": {"type": "string", "enum": list(FAULTS)}},
                "open_faults": {
                    "type": "array",
                    "description": "Open incidents this device's own tamper or offline events belong to.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["tamper", "offline"]},
                            "incident_id": {"type": "integer"},
                            "since": {"type": "string", "format": "date-time"},
                        },
                    },
                },
            },
        },
    }


def console_paths() -> dict[str, Schema]:
    error = _json(_ref("Error"), "A bad parameter, named in the message.")
    return {
        "/api/v1/district": {
            "get": {
                "operationId": "getDistrict",
                "summary": "The district: response targets per priority, grids and their officers",
                "responses": {"200": _json(_ref("District"), "The district.")},
            }
        },
        "/api/v1/devices/health": {
            "get": {
                "operationId": "deviceHealth",
                "summary": "Every registered device with online/offline, last seen, battery and open faults",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["summary", "devices"],
                            "properties": {
                                "summary": {
                                    "type": "object",
                                    "description": "Counts: total, online, offline, never_heard, low_battery, "
                                    "with_faults.",
                                },
                                "devices": {"type": "array", "items": _ref("DeviceHealth")},
                            },
                        },
                        "Devices in registry order.",
                    )
                },
            }
        },
        "/api/v1/incidents/search": {
            "get": {
                "operationId": "searchIncidents",
                "summary": "History search over incidents (supervisors), newest first, one page at a time",
                "description": "Every parameter is optional and may be given once; unknown parameters are "
                "refused. `from`/`to` take a date (whole days in the district's time zone, `to` inclusive) or "
                "an RFC 3339 time with an offset (`to` exclusive; encode `+` as `%2B`).",
                "parameters": [
                    _query("site", "A site id.", {"type": "string"}),
                    _query("kind", "An incident kind (panic, intrusion, ...).", {"type": "string"}),
                    _query("state", "A state, `open` or `closed`.", {"type": "string", "enum": list(STATES)}),
                    _query("disposition", "How it was closed.", {"type": "string", "enum": list(DISPOSITIONS)}),
                    _query("from", "Opened at or after.", {"type": "string", "examples": ["2024-05-01"]}),
                    _query("to", "Opened before (a date: up to the end of that day).", {"type": "string"}),
                    _query(
                        "escalated",
                        "Escalated to the supervisor or flagged late on scene (true), or neither (false).",
                        {"type": "boolean"},
                    ),
                    _query(
                        "limit",
                        "Page size.",
                        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE},
                    ),
                    _query("offset", "Rows to skip.", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["incidents", "total", "limit", "offset"],
                            "properties": {
                                "incidents": {"type": "array", "items": _ref("Incident")},
                                "total": {"type": "integer", "description": "How many match in all."},
                                "limit": {"type": "integer"},
                                "offset": {"type": "integer"},
                            },
                        },
                        "One page of matching incidents.",
                    ),
                    "400": error,
                },
            }
        },
        "/api/v1/incidents/{id}/notes": {
            "post": {
                "operationId": "addIncidentNote",
                "summary": "Add a note to the incident's timeline (who and when are recorded); the state is unchanged",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["text"],
                                "properties": {
                                    "text": {"type": "string", "maxLength": 2000, "pattern": NOT_BLANK_PATTERN}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_ref("IncidentDetail"), "The incident with the note on its timeline."),
                    "400": error,
                    "404": _json(_ref("Error"), "No such incident."),
                },
            }
        },
    }
