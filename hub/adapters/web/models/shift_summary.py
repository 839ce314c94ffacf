"""The duty desk's shift summary at the HTTP boundary: which shift, and the summary's shape."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from hub.adapters.web.models.base import Query, Time, View


class ShiftSummaryQuery(Query):
    empty_is_absent = False  # `shift=` names no shift: refused, as the document's enum says
    shift: Literal["current", "previous"] = Field("current", description="current (the default) or previous.")


class ShiftSummary(View):
    """For the desk shift on now or the one before (the roster's desk seats; calendar days when the roster has
    none): incidents opened in it by kind and outcome, deterred by warning, and the open incidents handed over."""

    shift: dict[str, Any] = Field(
        description="which (current, previous), seat and seat_en (the desk seat rostered; empty when none), "
        "start, end, until (the end, or now for the running shift), complete."
    )
    as_of: Time
    totals: dict[str, int] = Field(
        description="incidents (opened in the shift, tests excluded), test_incidents, deterred, handed_over."
    )
    by_kind: list[dict[str, Any]] = Field(
        description="Per incident kind: total and outcomes as of now (open, cancelled, or the resolved "
        "disposition, e.g. deterred, genuine, false_alarm)."
    )
    deterred: list[dict[str, Any]] = Field(
        description="Deterred by warning (talk-down verdicts given in the shift): incident_id, site_id, site_name, "
        "site_name_en, kind, opened_at, verdict_at, window_s, before_snapshot, after_snapshot (media ids), closed."
    )
    handed_over: list[dict[str, Any]] = Field(
        description="Incidents open at the shift's end (now for the running shift): incident_id, site names, kind, "
        "priority, state (now), opened_at, acknowledged (by then), closed_at."
    )
