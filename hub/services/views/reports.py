"""The supervisors' report of a period (GET /api/v1/reports, and what its CSV and PDF print): response times and
counts per grid, officer and site and for the district, then the sections of hub.services.views.report_sections.

Field order is the JSON's: a row's names come first (the mixin listed last among a row's bases, whose fields
pydantic puts first), then its figures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.services.views.base import Time
from hub.services.views.report_sections import (
    FROM,
    Availability,
    Deterrence,
    Drills,
    PatrolCoverage,
    ReportView,
    Share,
    StepCompliance,
    VideoVerification,
)


class ResponseStep(ReportView):
    """A response step: `n` incidents reached it; median and 90th percentile seconds from the first event
    (percentile_cont); `within` of `due` met the district's target."""

    n: int = 0
    median_s: float | None = Field(default=None, ge=0)
    p90_s: float | None = Field(default=None, ge=0)
    due: int = 0
    within: int = 0
    share_within: Share = Field(default=None, ge=0, le=1)


class ReportStats(ReportView):
    """A group's figures (the district's, a grid's, an officer's or a site's); the defaults are a group without
    incidents."""

    incidents: int = Field(default=0, description="Incidents opened in the period, tests excluded.")
    test_incidents: int = 0
    by_kind: dict[str, int] = Field(default_factory=dict, description="Most first.")
    by_priority: dict[str, int] = Field(default_factory=dict, description="P1 to P4, most first.")
    by_disposition: dict[str, int] = Field(default_factory=dict, description="`open`: no disposition yet.")
    ack: ResponseStep = Field(default_factory=lambda: ResponseStep())
    accept: ResponseStep = Field(default_factory=lambda: ResponseStep())
    arrive: ResponseStep = Field(default_factory=lambda: ResponseStep())
    escalated_incidents: int = 0
    escalations: int = 0
    arrival_overdue: int = 0
    resolved: int = 0
    false_alarms: int = 0
    false_alarm_rate: Share = Field(default=None, ge=0, le=1)
    warnings: int = 0


class GridNames(ReportView):
    id: str | None = Field(description="null: incidents of sites no longer in the district file.")
    name: str | None
    name_en: str | None
    officer_id: str | None
    officer_name: str | None
    officer_name_en: str | None
    site_ids: list[str]


class GridRow(ReportStats, GridNames):
    pass


class OfficerNames(ReportView):
    id: str | None = Field(description="null: incidents dispatched and never accepted.")
    name: str | None
    name_en: str | None
    role: str | None
    grid_id: str | None


class DispatchCounts(ReportView):
    offered: int = 0
    declined: int = 0
    timed_out: int = 0


class OfficerRow(ReportStats, OfficerNames):
    """The incidents whose dispatch the officer accepted, and the dispatches offered to them."""

    dispatches: DispatchCounts = Field(default_factory=lambda: DispatchCounts())


class SiteNamesRow(ReportView):
    id: str
    name: str
    name_en: str
    kind: str | None = Field(description="null: a site no longer in the district file.")
    grid_id: str | None
    test_mode: bool


class SiteRow(ReportStats, SiteNamesRow):
    pass


class ReportDistrict(ReportView):
    id: str
    name: str
    name_en: str
    timezone: str


class ReportPeriod(ReportView):
    kind: Literal["day", "week", "month", "custom"]
    label: str
    from_: Time = Field(validation_alias=FROM, serialization_alias="from", description="The first day's start.")
    to: Time = Field(description="The end (exclusive): the day after the last one, at its start.")
    first_day: str = Field(description="YYYY-MM-DD")
    last_day: str = Field(description="YYYY-MM-DD, inclusive.")
    days: int
    query: dict[str, str] = Field(description="The query parameters that ask for this period again.")


class ResponseTarget(ReportView):
    priority: int
    ack_s: int
    accept_s: int
    arrival_s: int


class Definition(ReportView):
    figure: str
    zh: str
    en: str


class Report(ReportView):
    """The report of a period: response times per grid, officer and site, drills and availability. Whole days
    in the district's time zone; test incidents are counted apart and excluded from every other figure."""

    district: ReportDistrict
    period: ReportPeriod
    generated_at: Time = Field(description="When the figures were taken, in the district's time zone.")
    targets: list[ResponseTarget]
    totals: ReportStats
    grids: list[GridRow]
    officers: list[OfficerRow]
    sites: list[SiteRow]
    drills: Drills
    availability: Availability
    patrol_coverage: PatrolCoverage | None = None
    definitions: list[Definition] | None = Field(
        None, description="What each figure counts, as every rendering of the report prints it."
    )
    video_verification: VideoVerification | None = None
    step_compliance: StepCompliance | None = None
    deterrence: Deterrence | None = None
    sections_not_available: list[str] = Field(default_factory=list)
