"""Supervisors' reports at the HTTP boundary: the period's query string and the report's shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import ConfigDict, Field, StringConstraints

from hub.adapters.web.models.base import Query, Time, View
from hub.domain.reports import MAX_CUSTOM_DAYS, PeriodKind

PeriodName = Literal["day", "week", "month", "custom"]
assert set(get_args(PeriodName)) == {k.value for k in PeriodKind}


class ReportQuery(Query):
    """Checked further by hub.domain.reports.parse_period (400 invalid_period)."""

    period: PeriodName | None = Field(None, description="day, week, month (the default) or custom.")
    date: str | None = Field(
        None, description="period=day: the day (YYYY-MM-DD).", json_schema_extra={"format": "date"}
    )
    week: Annotated[str, StringConstraints(pattern=r"^\d{4}-W\d{2}$")] | None = Field(
        None, description="period=week: the ISO week (YYYY-Www)."
    )
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")] | None = Field(
        None, description="period=month: the month (YYYY-MM)."
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="period=custom: the first day (YYYY-MM-DD).",
        json_schema_extra={"format": "date"},
    )
    to: str | None = Field(None, description=f"period=custom: the last day, inclusive; at most {MAX_CUSTOM_DAYS} days.")

    def given(self) -> dict[str, str]:
        return self.model_dump(by_alias=True, exclude_none=True)


Seconds = float | None


class StepFigures(View):
    """A response step: `n` incidents reached it; median and 90th percentile seconds from the first event
    (percentile_cont); `within` of `due` met the district's target."""

    n: int | None = None
    median_s: Seconds = Field(None, ge=0)
    p90_s: Seconds = Field(None, ge=0)
    due: int | None = None
    within: int | None = None
    share_within: float | None = Field(None, ge=0, le=1)


class ReportStats(View):
    model_config = ConfigDict(extra="allow")

    incidents: int | None = Field(None, description="Incidents opened in the period, tests excluded.")
    test_incidents: int | None = None
    by_kind: dict[str, int] | None = None
    by_priority: dict[str, int] | None = None
    by_disposition: dict[str, int] | None = Field(None, description="`open`: no disposition yet.")
    ack: StepFigures | None = None
    accept: StepFigures | None = None
    arrive: StepFigures | None = None
    escalated_incidents: int | None = None
    escalations: int | None = None
    arrival_overdue: int | None = None
    resolved: int | None = None
    false_alarms: int | None = None
    false_alarm_rate: float | None = Field(None, ge=0, le=1)
    warnings: int | None = None


class Definition(View):
    figure: str
    zh: str
    en: str


class Report(View):
    """The report of a period: response times per grid, officer and site, drills and availability. Whole days
    in the district's time zone; test incidents are counted apart and excluded from every other figure."""

    district: dict[str, Any]
    period: dict[str, Any] = Field(description="kind, label, from, to (exclusive), first_day, last_day, days")
    generated_at: Time | None = None
    targets: list[dict[str, Any]]
    totals: ReportStats
    grids: list[ReportStats]
    officers: list[ReportStats] = Field(
        description="Per officer: the incidents whose dispatch they accepted, and `dispatches` {offered, declined, "
        "timed_out}. `id` null: incidents dispatched and never accepted."
    )
    sites: list[ReportStats]
    drills: dict[str, Any] = Field(
        description="Per site with buttons: passed (every button sent a test press), partial, missing."
    )
    availability: dict[str, Any] = Field(
        description="Per device: uptime share, outages and the longest, from supervision's offline/online events "
        "within the period (up to now)."
    )
    patrol_coverage: dict[str, Any] | None = Field(
        None, description="Cameras checked by the video patrol per shift (the definition `patrol_coverage`)."
    )
    video_verification: dict[str, Any] | None = Field(
        None, description="Incidents that asked the site's cameras for video, and how fast they answered."
    )
    step_compliance: dict[str, Any] | None = Field(
        None, description="Required response steps done per desk seat, and incidents resolved with one open."
    )
    deterrence: dict[str, Any] | None = Field(
        None, description="Incidents deterred by a spoken warning per site and month, of those with a verdict."
    )
    definitions: list[Definition] | None = Field(
        None, description="What each figure counts, as every rendering of the report prints it."
    )
    sections_not_available: list[str] | None = None
