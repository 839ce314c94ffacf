"""The duty desk's shift summary as the read side gives it: which shift, incidents opened in it by kind and
outcome, those deterred by a warning, and the open incidents it hands over."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.services.views.base import DateTime, View


class ShiftSpan(View):
    which: Literal["current", "previous"]
    seat: str = Field(description="The desk seat rostered; empty when none.")
    seat_en: str
    start: DateTime
    end: DateTime
    until: DateTime = Field(description="The end, or now for the running shift.")
    complete: bool


class ShiftTotals(View):
    incidents: int = Field(description="Opened in the shift, tests excluded.")
    test_incidents: int
    deterred: int
    handed_over: int


class KindOutcomes(View):
    kind: str
    total: int
    outcomes: dict[str, int] = Field(
        description="As of now: open, cancelled, or the resolved disposition (e.g. deterred, genuine, false_alarm)."
    )


class Deterred(View):
    """A talk-down verdict `deterred` given in the shift (an incident once, by its first)."""

    incident_id: int
    site_id: str
    site_name: str
    site_name_en: str
    kind: str
    opened_at: DateTime
    verdict_at: DateTime
    window_s: int | float | None
    before_snapshot: int | None = Field(description="Media ids.")
    after_snapshot: int | None
    closed: bool


class HandedOver(View):
    """An incident open at the shift's end (now for the running shift)."""

    incident_id: int
    site_id: str
    site_name: str
    site_name_en: str
    kind: str
    priority: int
    state: str = Field(description="Now.")
    opened_at: DateTime
    acknowledged: bool = Field(description="By the shift's end.")
    closed_at: DateTime | None


class ShiftSummary(View):
    """For the desk shift on now or the one before (the roster's desk seats; calendar days when the roster has
    none): incidents opened in it by kind and outcome, deterred by warning, and the open incidents handed over."""

    shift: ShiftSpan
    as_of: DateTime
    totals: ShiftTotals
    by_kind: list[KindOutcomes]
    deterred: list[Deterred]
    handed_over: list[HandedOver]
