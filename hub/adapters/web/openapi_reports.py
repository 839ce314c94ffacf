"""OpenAPI paths of the supervisors' reports (JSON, CSV, PDF and the page). Merged by openapi.py."""

from __future__ import annotations

from typing import Any

from hub.adapters.web.reports import PARAMETERS
from hub.domain.reports import MAX_CUSTOM_DAYS, PeriodKind

Schema = dict[str, Any]

_PARAMETER_DOCS = {
    "period": ("day, week, month (the default) or custom.", {"type": "string", "enum": [k.value for k in PeriodKind]}),
    "date": ("period=day: the day (YYYY-MM-DD).", {"type": "string", "format": "date"}),
    "week": ("period=week: the ISO week (YYYY-Www).", {"type": "string", "pattern": r"^\d{4}-W\d{2}$"}),
    "month": ("period=month: the month (YYYY-MM).", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}),
    "from": ("period=custom: the first day (YYYY-MM-DD).", {"type": "string", "format": "date"}),
    "to": (f"period=custom: the last day, inclusive; at most {MAX_CUSTOM_DAYS} days.", {"type": "string"}),
}


def _parameters() -> list[Schema]:
    return [
        {"name": name, "in": "query", "required": False, "description": doc, "schema": schema}
        for name in PARAMETERS
        for doc, schema in [_PARAMETER_DOCS[name]]
    ]


def _error() -> Schema:
    return {"$ref": "#/components/schemas/Error"}


def _operation(operation_id: str, summary: str, content: dict[str, Schema], description: str = "") -> Schema:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description
            + " Whole days in the district's time zone. Test incidents are counted apart and excluded from "
            "every other figure.",
            "parameters": _parameters(),
            "responses": {
                "200": {"description": "The report.", "content": content},
                "400": {
                    "description": "A bad, unknown or repeated parameter (`invalid_parameter`, `invalid_period`).",
                    "content": {"application/json": {"schema": _error()}},
                },
                "503": {
                    "description": "No report store, or (PDF) no CJK font to embed.",
                    "content": {"application/json": {"schema": _error()}},
                },
            },
        }
    }


def reports_schemas() -> dict[str, Schema]:
    seconds = {"type": ["number", "null"], "minimum": 0}
    fraction = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    step = {
        "type": "object",
        "description": "A response step: `n` incidents reached it; median and 90th percentile seconds from the "
        "first event (percentile_cont); `within` of `due` met the district's target.",
        "properties": {
            "n": {"type": "integer"},
            "median_s": seconds,
            "p90_s": seconds,
            "due": {"type": "integer"},
            "within": {"type": "integer"},
            "share_within": fraction,
        },
    }
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    return {
        "ReportStats": {
            "type": "object",
            "properties": {
                "incidents": {"type": "integer", "description": "Incidents opened in the period, tests excluded."},
                "test_incidents": {"type": "integer"},
                "by_kind": counts,
                "by_priority": counts,
                "by_disposition": {**counts, "description": "`open`: no disposition yet."},
                "ack": step,
                "accept": step,
                "arrive": step,
                "escalated_incidents": {"type": "integer"},
                "escalations": {"type": "integer"},
                "arrival_overdue": {"type": "integer"},
                "resolved": {"type": "integer"},
                "false_alarms": {"type": "integer"},
                "false_alarm_rate": fraction,
                "warnings": {"type": "integer"},
            },
        },
        "Report": {
            "type": "object",
            "required": [
                "district",
                "period",
                "targets",
                "totals",
                "grids",
                "officers",
                "sites",
                "drills",
                "availability",
            ],
            "properties": {
                "district": {"type": "object"},
                "period": {
                    "type": "object",
                    "description": "kind, label, from, to (exclusive), first_day, last_day, days",
                },
                "generated_at": {"type": "string", "format": "date-time"},
                "targets": {"type": "array", "items": {"type": "object"}},
                "totals": {"$ref": "#/components/schemas/ReportStats"},
                "grids": {"type": "array", "items": {"$ref": "#/components/schemas/ReportStats"}},
                "officers": {
                    "type": "array",
                    "description": "Per officer: the incidents whose dispatch they accepted, and `dispatches` "
                    "{offered, declined, timed_out}. `id` null: incidents dispatched and never accepted.",
                    "items": {"$ref": "#/components/schemas/ReportStats"},
                },
                "sites": {"type": "array", "items": {"$ref": "#/components/schemas/ReportStats"}},
                "drills": {
                    "type": "object",
                    "description": "Per site with buttons: passed (every button sent a test press), partial, missing.",
                },
                "availability": {
                    "type": "object",
                    "description": "Per device: uptime share, outages and the longest, from supervision's "
                    "offline/online events within the period (up to now).",
                },
                "definitions": {
                    "type": "array",
                    "description": "What each figure counts, as every rendering of the report prints it.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "figure": {"type": "string"},
                            "zh": {"type": "string"},
                            "en": {"type": "string"},
                        },
                    },
                },
                "sections_not_available": {"type": "array", "items": {"type": "string"}},
            },
        },
        "ShiftSummary": {
            "type": "object",
            "required": ["shift", "as_of", "totals", "by_kind", "deterred", "handed_over"],
            "properties": {
                "shift": {
                    "type": "object",
                    "description": "which (current, previous), seat and seat_en (the desk seat rostered; empty when "
                    "none), start, end, until (the end, or now for the running shift), complete.",
                },
                "as_of": {"type": "string", "format": "date-time"},
                "totals": {
                    "type": "object",
                    "description": "incidents (opened in the shift, tests excluded), test_incidents, deterred, "
                    "handed_over.",
                    "additionalProperties": {"type": "integer"},
                },
                "by_kind": {
                    "type": "array",
                    "description": "Per incident kind: total and outcomes as of now (open, cancelled, or the "
                    "resolved disposition, e.g. deterred, genuine, false_alarm).",
                    "items": {"type": "object"},
                },
                "deterred": {
                    "type": "array",
                    "description": "Deterred by warning (talk-down verdicts given in the shift): incident_id, "
                    "site_id, site_name, site_name_en, kind, opened_at, verdict_at, window_s, before_snapshot, "
                    "after_snapshot (media ids), closed.",
                    "items": {"type": "object"},
                },
                "handed_over": {
                    "type": "array",
                    "description": "Incidents open at the shift's end (now for the running shift): incident_id, "
                    "site names, kind, priority, state (now), opened_at, acknowledged (by then), closed_at.",
                    "items": {"type": "object"},
                },
            },
        },
    }


def reports_paths() -> dict[str, Schema]:
    return {
        "/api/v1/reports": _operation(
            "getReport",
            "Supervisors' report of a period: response times per grid, officer and site, drills, availability",
            {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
        ),
        "/api/v1/reports.csv": _operation(
            "getReportCsv",
            "The report as one CSV file with sections (UTF-8 with BOM, for spreadsheets)",
            {"text/csv": {"schema": {"type": "string"}}},
        ),
        "/api/v1/reports.pdf": _operation(
            "getReportPdf",
            "The report as a printable PDF: the district, one page per grid, drills and availability",
            {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        ),
        "/api/v1/shift-summary": {
            "get": {
                "operationId": "getShiftSummary",
                "summary": "The duty desk's shift summary: incidents by kind and outcome, deterred by warning, "
                "handed over",
                "description": "The desk shift is the roster's desk seat on shift (calendar days when the roster "
                "has no desk shift).",
                "parameters": [
                    {
                        "name": "shift",
                        "in": "query",
                        "required": False,
                        "description": "current (the default) or previous.",
                        "schema": {"type": "string", "enum": ["current", "previous"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The summary.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ShiftSummary"}}},
                    },
                    "400": {
                        "description": "An unknown or repeated parameter (`invalid_parameter`).",
                        "content": {"application/json": {"schema": _error()}},
                    },
                    "503": {
                        "description": "No report store.",
                        "content": {"application/json": {"schema": _error()}},
                    },
                },
            }
        },
        "/reports": {
            "get": {
                "operationId": "reportsPage",
                "summary": "The supervisors' reports page (HTML; its assets are under /static/)",
                "responses": {
                    "200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}
                },
            }
        },
    }
