"""What a report's table cells and chart labels say: durations, name pairs, counts, the table columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.adapters.reports_text import percent_text, seconds_text
from hub.services.views.report_sections import CameraCoverage, DeviceAvailability, ShiftCoverage
from hub.services.views.reports import ReportStats, ResponseStep


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    width: float
    align: str = "R"  # L, C, R
    value: Callable[[Any], str] = lambda row: ""  # of a row's model (Row.item)


@dataclass(frozen=True)
class Row:
    """A table row and how it is drawn: in bold (a total), and the column that shows a status in its colour."""

    item: Any
    bold: bool = False
    status: str | None = None
    status_column: str | None = None


def clock_text(value: float | None) -> str:
    """Compact durations for tables and bars: 47 s, 2:17 (min:s), 1:02:05 (h:min:s)."""
    return seconds_text(value, compact=True)


def outcome_count(code: str) -> Callable[[ShiftCoverage], str]:
    return lambda row: str(row.by_outcome[code])


def axis_text(value: float) -> str:
    if value < 120:
        return f"{value:g} s"
    if value < 7200:
        return f"{value / 60:g} min"
    return f"{value / 3600:g} h"


def nice_ceiling(value: float) -> float:
    for step in (20, 40, 60, 120, 240, 480, 600, 1200, 1800, 2400, 3600, 7200, 14400, 28800, 43200, 86400):
        if value <= step:
            return float(step)
    return float(int(value / 86400 + 1) * 86400)


def pair(step: ResponseStep) -> str:
    if not step.n:
        return "–"
    return f"{clock_text(step.median_s)} / {clock_text(step.p90_s)}"


def target_caption(step: ResponseStep) -> str:
    """Both counts a chart rests on: within target of due, and how many were timed (the bars' n)."""
    return f"达标 within target {step.within}/{step.due} ({percent_text(step.share_within)}) · 计时 timed n={step.n}"


def within(row: ReportStats) -> str:
    return " · ".join(percent_text(step.share_within) for step in (row.ack, row.accept, row.arrive))


def name_lines(row: Any, key: str = "name") -> str:
    """A name as the district file gives it, with its English name on a second line when it has one."""
    name, english = str(getattr(row, key) or "—"), getattr(row, f"{key}_en", None)
    return f"{name}\n{english}" if english and english != name else name


def device_label(device: DeviceAvailability | CameraCoverage) -> str:
    """A device's label (and its English label), or its id when it has none."""
    if device.label:
        return name_lines(device, "label")
    return device.device_id if isinstance(device, DeviceAvailability) else device.camera_id


def count_text(table: dict[str, tuple[str, str]], counts: dict[str, int]) -> str:
    if not counts:
        return "–"
    return "  ".join(f"{table[k][0] if k in table else k} {v}" for k, v in counts.items())


def metric_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("事件", "Incidents", 15, value=lambda r: str(r.incidents)),
        Column("确认 中位/90%", "Ack p50 / p90", 29, value=lambda r: pair(r.ack)),
        Column("接警 中位/90%", "Accept p50 / p90", 29, value=lambda r: pair(r.accept)),
        Column("到场 中位/90%", "Arrive p50 / p90", 32, value=lambda r: pair(r.arrive)),
        Column("达标率 确认·接警·到场", "Within target ack·acc·arr", 38, value=within),
        Column("升级", "Escalated", 15, value=lambda r: str(r.escalated_incidents)),
        Column("误报率", "False alarms", 19, value=lambda r: percent_text(r.false_alarm_rate)),
        Column("喊话", "Warnings", 15, value=lambda r: str(r.warnings)),
    ]


def not_checked(shift: ShiftCoverage, names: dict[str, str]) -> str:
    """The cameras a shift did not check, or "none checked" when that is all of them (the CSV lists them)."""
    missed = shift.cameras_not_checked
    if missed and len(missed) >= shift.cameras_expected:
        return f"全部 {len(missed)} 个 all {len(missed)}"
    return "、".join(names.get(c, c) for c in missed) or "—"


def coverage_status(shift: ShiftCoverage) -> str:
    if shift.cameras_expected and shift.cameras_checked >= shift.cameras_expected:
        return "passed"
    return "partial" if shift.views else "missing"


def local_minute(value: str | None) -> str:
    """A time of the report (already in the district's time zone) to the minute."""
    return "—" if not value else value[:16].replace("T", " ")
