"""Supervisors' reports, the pure part: which period a report covers (in the district's time zone),
and the small arithmetic shared by every place that shows a figure.

The figures themselves are computed in SQL from the append-only tables (see
hub/adapters/postgres/reports.py); the definitions below are the contract those queries keep.

* Cohort: incidents whose first event (`created_at`) falls in the period. Test incidents (a test
  press, a site in test mode) are counted apart and left out of every other figure.
* Time to acknowledge, to accept, to arrive: from `created_at` to `acknowledged_at`, `accepted_at`,
  `on_scene_at`; median and 90th percentile are continuous (linear interpolation, like
  PostgreSQL's `percentile_cont`) over the incidents that reached the step.
* Within target (the district's targets per priority): acknowledged within `ack_s` of the first event;
  accepted within `accept_s` of the first dispatch; on scene within `arrival_s` of the first event.
  An incident counts against a target when it reached the step late, or was still without it when
  the target ran out (closed later, or still open at the report's time). Acceptance and arrival are
  due only for dispatched incidents. Closed before the deadline without the step: not counted.
* Officer of an incident: the officer whose dispatch was accepted (the last one offered before the
  incident's `accepted_at`).
* Nobody accepted (无人接警): incidents dispatched and never accepted; an incident never dispatched is
  no officer's figure.
* False-alarm rate: incidents resolved with disposition `false_alarm` over incidents resolved.

DEFINITIONS states each of these in both languages; every report (page, CSV, PDF) prints them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True, slots=True)
class Definition:
    """What one figure of the report counts, as the report prints it."""

    figure: str
    zh: str
    en: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "incidents",
        "事件：首次报警时间在本时段内的事件（按辖区时区）。测试事件（测试按压、测试模式单位）单独计数，不计入其他各项。",
        "Incidents: those whose first event falls in the period (the district's time zone). Test incidents (test "
        "presses, sites in test mode) are counted apart and left out of every other figure.",
    ),
    Definition(
        "times",
        "确认、接警、到场用时：自首次报警起计，只计已完成该步骤的事件（图表的 n 即此数）；中位数与90分位为连续插值。",
        "Times to acknowledge, accept and arrive: from the first event, over the incidents that reached the step "
        "(a chart's n); median and 90th percentile are interpolated.",
    ),
    Definition(
        "within_target",
        "达标率 = 达标 / 应考核。应考核：已完成该步骤，或超过时限仍未完成（含至今未结）；时限内已结案而未完成的不计。"
        "确认、到场自首次报警起计，接警自首次派警起计；接警、到场只考核已派警事件。故应考核数可大于用时的 n。",
        "Within target = within / due. Due: reached the step, or still without it when the target ran out (closed "
        "later or still open); closed in time without the step is not due. Acknowledge and arrive run from the "
        "first event, accept from the first dispatch; only dispatched incidents are due to be accepted and "
        "reached. So due may exceed the times' n.",
    ),
    Definition(
        "officers",
        "民警：事件计入接受其派警的民警。无人接警：已派警但无人接受的事件；未派警的事件不计入任何民警。"
        "派警、拒绝、超时为派给该民警的次数。",
        "Officers: an incident counts for the officer who accepted its dispatch. Nobody accepted: incidents "
        "dispatched and never accepted; an incident never dispatched counts for no officer. Offered, declined "
        "and timed out count the dispatches offered to the officer.",
    ),
    Definition(
        "escalated",
        "升级事件：未按时确认而至少通知值班领导一次的事件。",
        "Escalated: incidents passed to the supervisor at least once for want of an acknowledgement.",
    ),
    Definition(
        "false_alarm_rate",
        "误报率 = 处置为误报的已办结事件 / 已办结事件。",
        "False-alarm rate = incidents resolved as false alarm / incidents resolved.",
    ),
    Definition(
        "warnings",
        "喊话次数：发往每台音柱的每条喊话指令计一次，按发出时间计入时段。",
        "Warnings: each command to each loudspeaker, counted in the period it was sent.",
    ),
    Definition(
        "drills",
        "演练：本时段内收到某按钮的测试按压即该按钮通过；单位的全部按钮通过为通过，部分通过为部分通过。",
        "Drills: a button passes with a test press received in the period; a site passes when all its buttons did, "
        "partly when some did.",
    ),
    Definition(
        "availability",
        "设备在线率 = 1 − 离线时长 / 时段时长（本时段未结束时计至现在）；离线自监测的离线事件至上线事件。",
        "Device uptime = 1 − time offline / the period's length (up to now while the period runs); offline from "
        "supervision's offline event to its online event.",
    ),
    Definition(
        "patrol_coverage",
        "视频巡查覆盖率：白班 08:00–20:00、夜班 20:00–08:00（辖区时间），班次计入其开始的日期；本班内有任一巡查记录"
        "即算该摄像机已查看；应巡查摄像机为巡查路线上的摄像机（无路线时为全部摄像机）。",
        "Patrol log coverage: shifts are the day (08:00–20:00) and night (20:00–08:00) halves in the district's "
        "time zone, each counted on the day it starts; any logged view counts as the camera checked in that "
        "shift; the cameras to patrol are those on the tours (every camera when there is none).",
    ),
    Definition(
        "video_verification",
        "视频核实：本时段内（不含测试）向单位摄像机调取录像的按压事件；核实用时自首次报警至首个摄像机回传录像，"
        "中位数与90分位只计已核实的事件；10 秒内核实为达标。",
        "Video verification: the period's incidents (tests left out) that asked the site's cameras for video; time "
        "to verification runs from the first event to the first camera's answer, median and 90th percentile over "
        "the incidents verified; within 10 s is within target.",
    ),
    Definition(
        "step_compliance",
        "处置步骤执行率：已办结且其预案有必做步骤的事件，按办结该事件的值班席位统计；执行率 = 已完成的必做步骤 / "
        "应做的必做步骤（任何人手动勾选或系统自动确认均算完成）；另计带未完成必做步骤办结（已填写理由）的事件数。",
        "Step compliance: resolved incidents whose plan has required steps, per desk seat that resolved them; "
        "compliance = required steps done / required steps due (marked by anyone, by hand or by what the hub saw); "
        "also the incidents resolved with a required step open (a reason given).",
    ),
    Definition(
        "deterrence",
        "喊话劝离率：本时段内（不含测试）喊话后经视频判定的事件，按单位和自然月（辖区时间，按首次报警）统计；"
        "劝离率 = 人员离开且观察期内未返回的事件 / 已判定的事件；每个事件只计其首次判定。",
        "Deterrence rate: the period's incidents (tests left out) that got a verdict after a warning, per site and "
        "calendar month (the district's time zone, by the first event); rate = incidents where the person left and "
        "did not return within the window / incidents with a verdict; each incident counts by its first verdict.",
    ),
)


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


class PeriodError(ValueError):
    """A period that cannot be reported on, with a message for the person who asked."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter} {message}")
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    label: str  # 2026-10-05, 2026-W41, 2026-10, 2026-10-01..2026-10-15
    start: datetime  # inclusive, aware, in the district's time zone
    end: datetime  # exclusive
    first_day: date
    last_day: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def query(self) -> dict[str, str]:
        """The query parameters that ask for this period again (links, exports)."""
        match self.kind:
            case PeriodKind.DAY:
                return {"period": "day", "date": self.label}
            case PeriodKind.WEEK:
                return {"period": "week", "week": self.label}
            case PeriodKind.MONTH:
                return {"period": "month", "month": self.label}
            case PeriodKind.CUSTOM:
                return {"period": "custom", "from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
PARAMETERS = {
    PeriodKind.DAY: ("date",),
    PeriodKind.WEEK: ("week",),
    PeriodKind.MONTH: ("month",),
    PeriodKind.CUSTOM: ("from", "to"),
}


def _day(parameter: str, raw: str) -> date:
    if not _DATE.fullmatch(raw):
        raise PeriodError(parameter, "must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(parameter, "is not a real date") from None


def _span(kind: PeriodKind, label: str, first: date, last: date, zone: ZoneInfo) -> Period:
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return Period(kind, label, start, end, first, last)


def day_period(day: date, zone: ZoneInfo) -> Period:
    return _span(PeriodKind.DAY, day.isoformat(), day, day, zone)


def week_period(year: int, week: int, zone: ZoneInfo) -> Period:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PeriodError("week", f"{year}-W{week:02d} is not an ISO week") from None
    return _span(PeriodKind.WEEK, f"{year}-W{week:02d}", monday, monday + timedelta(days=6), zone)


def month_period(year: int, month: int, zone: ZoneInfo) -> Period:
    if not 1 <= month <= 12 or not 1 <= year <= 9998:
        raise PeriodError("month", "must be a month (YYYY-MM)")
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return _span(PeriodKind.MONTH, f"{year}-{month:02d}", first, following - timedelta(days=1), zone)


def custom_period(first: date, last: date, zone: ZoneInfo) -> Period:
    if last < first:
        raise PeriodError("to", "must not be before from")
    if (last - first).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError("to", f"a custom period is at most {MAX_CUSTOM_DAYS} days")
    return _span(PeriodKind.CUSTOM, f"{first.isoformat()}..{last.isoformat()}", first, last, zone)


def parse_period(query: Mapping[str, str], timezone: str) -> Period:
    """The period a request asks for: `period` = day (`date`), week (`week`=YYYY-Www, ISO), month
    (`month`=YYYY-MM) or custom (`from`, `to`: whole days, both inclusive). Raises PeriodError."""
    zone = ZoneInfo(timezone)
    raw_kind = query.get("period") or "month"
    try:
        kind = PeriodKind(raw_kind)
    except ValueError:
        raise PeriodError("period", f"must be one of: {', '.join(k.value for k in PeriodKind)}") from None
    for name in PARAMETERS[kind]:
        if not query.get(name):
            raise PeriodError(name, f"is required for period={kind.value}")
    match kind:
        case PeriodKind.DAY:
            return day_period(_day("date", query["date"]), zone)
        case PeriodKind.WEEK:
            found = _WEEK.fullmatch(query["week"])
            if not found:
                raise PeriodError("week", "must be an ISO week (YYYY-Www, e.g. 2026-W41)")
            return week_period(int(found[1]), int(found[2]), zone)
        case PeriodKind.MONTH:
            found = _MONTH.fullmatch(query["month"])
            if not found:
                raise PeriodError("month", "must be a month (YYYY-MM)")
            return month_period(int(found[1]), int(found[2]), zone)
        case PeriodKind.CUSTOM:
            return custom_period(_day("from", query["from"]), _day("to", query["to"]), zone)


# ---- arithmetic shared by the read side, the exports and the benchmark's baseline -------------------


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide (shown as "–", never as 0 %)."""
    return part / whole if whole else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Continuous percentile with linear interpolation between the two nearest ranks (what
    PostgreSQL's percentile_cont computes); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def within_target(reached_s: float | None, target_s: float, open_for_s: float | None) -> bool | None:
    """Whether a step counts for (True) or against (False) its target, or not at all (None).

    `reached_s`: seconds from the clock's origin to the step (None: never reached); `open_for_s`:
    seconds from the origin until the incident closed, or until the report's time if still open.
    """
    if reached_s is not None:
        return reached_s <= target_s
    if open_for_s is not None and open_for_s > target_s:
        return False
    return None
