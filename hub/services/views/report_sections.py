"""The supervisors' report's sections beyond response times: button drills, device availability, patrol log
coverage, press-to-video verification, response step compliance and deterrence (hub.domain.reports defines
each figure; hub/adapters/postgres/reports_*.py compute them).

Field order is the JSON's: a row's names come first (hence the mixins listed last among the bases, whose
fields pydantic puts first), then its figures."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, ConfigDict, Field

from hub.domain.patrol import Half
from hub.services.views.base import Time, View

Share = float | None
"""A fraction of 0 to 1; null when there is nothing to divide (shown as "–", never as 0 %)."""

FROM = AliasChoices("from", "from_")
"""The member `from` (a Python keyword): read as `from` (or by its Python name, `from_`), written as `from`."""


class ReportView(View):
    """A part of the report: exactly these members (a member the model does not name is refused)."""

    model_config = ConfigDict(extra="forbid")


# ---- button drills ----------------------------------------------------------------------------------------


class DrillButton(ReportView):
    device_id: str
    label: str
    label_en: str | None
    passed: bool = Field(description="The button sent a `test` press in the period.")
    presses: int
    first_at: Time | None
    last_at: Time | None


class DrillSite(ReportView):
    site_id: str
    name: str
    name_en: str
    grid_id: str
    status: Literal["passed", "partial", "missing"] = Field(
        description="passed: every button sent a test press; partial: some did; missing: none."
    )
    buttons: int
    buttons_passed: int
    last_test_at: Time | None
    devices: list[DrillButton]


class DrillSummary(ReportView):
    sites: int = Field(description="Sites with buttons.")
    passed: int
    partial: int
    missing: int


class Drills(ReportView):
    """Per site with buttons: passed (every button sent a test press), partial, missing."""

    summary: DrillSummary
    sites: list[DrillSite]


# ---- device availability ----------------------------------------------------------------------------------


class AvailabilityWindow(ReportView):
    from_: Time = Field(validation_alias=FROM, serialization_alias="from", description="The period's start.")
    to: Time = Field(description="The period's end, or now while the period runs.")
    seconds: float


class KindAvailability(ReportView):
    devices: int
    with_outages: int
    uptime_share: Share = Field(description="The mean of the devices' uptime shares.")


class AvailabilitySummary(KindAvailability):
    by_kind: dict[str, KindAvailability] = Field(description="The same figures per kind of device.")


class DeviceAvailability(ReportView):
    device_id: str
    site_id: str
    grid_id: str | None
    kind: str
    label: str
    label_en: str | None
    uptime_share: Share
    downtime_s: float | None
    outages: int
    longest_outage_s: float | None
    longest_outage_from: Time | None
    offline_at_end: bool
    online_now: bool | None = Field(description="null: never heard from.")
    last_seen_at: Time | None


class Availability(ReportView):
    """Per device: uptime share, outages and the longest, from supervision's offline/online events within the
    period (up to now)."""

    window: AvailabilityWindow
    summary: AvailabilitySummary
    devices: list[DeviceAvailability]


# ---- patrol log coverage ----------------------------------------------------------------------------------


class ShiftCoverage(ReportView):
    shift: str
    day: str = Field(description="The day the shift starts (YYYY-MM-DD).")
    half: Half
    from_: Time = Field(validation_alias=FROM, serialization_alias="from", description="The shift's start.")
    to: Time
    cameras_checked: int
    cameras_expected: int
    coverage: Share
    cameras_not_checked: list[str]
    other_cameras: list[str] = Field(description="Viewed, but not on the patrol route.")
    views: int
    runs: int
    by_outcome: dict[str, int]
    staff: list[str]


class CameraCoverage(ReportView):
    camera_id: str
    label: str
    label_en: str | None
    site_id: str | None
    expected: bool = Field(description="On the patrol route.")
    views: int
    shifts_checked: int
    shift_coverage: Share
    last_viewed_at: Time | None


class PatrolSummary(ReportView):
    shifts: int
    shifts_patrolled: int
    shifts_fully_covered: int
    cameras_expected: int
    mean_coverage: Share
    views: int
    runs: int
    by_outcome: dict[str, int]


class PatrolCoverage(ReportView):
    """Cameras checked by the video patrol per shift (the definition `patrol_coverage`)."""

    shift_rule: str
    summary: PatrolSummary
    shifts: list[ShiftCoverage]
    cameras: list[CameraCoverage]


# ---- press to video verification, step compliance, deterrence --------------------------------------------


class SiteNames(ReportView):
    site_id: str
    site_name: str = Field(description="The id when the district no longer has the site.")
    site_name_en: str


class VerificationFigures(ReportView):
    requested: int
    verified: int
    verified_share: Share
    median_s: float | None
    p90_s: float | None
    within_target: int
    within_target_share: Share


class VerificationSite(VerificationFigures, SiteNames):
    pass


class VideoVerification(ReportView):
    """Incidents that asked the site's cameras for video, and how fast they answered."""

    target_s: float
    totals: VerificationFigures
    sites: list[VerificationSite]


class ComplianceFigures(ReportView):
    incidents: int
    required_due: int
    required_done: int
    compliance: Share
    resolved_with_open_steps: int


class Seat(ReportView):
    seat: str = Field(description="Who resolved the incidents (`system` when nobody is named).")


class SeatCompliance(ComplianceFigures, Seat):
    pass


class StepCompliance(ReportView):
    """Required response steps done per desk seat, and incidents resolved with one open."""

    totals: ComplianceFigures
    seats: list[SeatCompliance]


class DeterrenceFigures(ReportView):
    warned: int = Field(description="Incidents with a talk-down verdict.")
    deterred: int
    not_deterred: int
    deterred_share: Share


class SiteMonth(SiteNames):
    month: str = Field(description="YYYY-MM, in the district's time zone.")


class SiteMonthDeterrence(DeterrenceFigures, SiteMonth):
    pass


class Deterrence(ReportView):
    """Incidents deterred by a spoken warning per site and month, of those with a verdict."""

    totals: DeterrenceFigures
    sites: list[SiteMonthDeterrence]
