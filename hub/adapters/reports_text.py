"""Bilingual words of the report exports (CSV and PDF): Chinese first, then English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.reports import DEFINITIONS

# Every kind an incident can have (hub.domain.incidents, patrol's manual incidents); any other kind a desk
# may type is reported as "other", never as its code.
KINDS = {
    "panic": ("紧急报警", "Panic"),
    "duress": ("胁迫报警", "Duress"),
    "fire": ("火警", "Fire"),
    "intrusion": ("入侵", "Intrusion"),
    "tamper": ("防拆", "Tamper"),
    "trouble": ("设备故障", "Panel trouble"),
    "loitering": ("徘徊", "Loitering"),
    "crowd": ("人员聚集", "Crowd"),
    "line_crossing": ("越线", "Line crossing"),
    "device_offline": ("设备离线", "Device offline"),
    "patrol_observation": ("巡查发现", "Patrol observation"),
}
OTHER_KIND = "other"
OTHER_KIND_WORDS = ("其他", "Other")
DISPOSITIONS = {
    "genuine": ("真实警情", "Genuine"),
    "false_alarm": ("误报", "False alarm"),
    "test": ("测试", "Test"),
    "malicious": ("恶意报警", "Malicious"),
    "other": ("其他", "Other"),
    "open": ("未结", "Open"),
}
DRILL_STATUS = {
    "passed": ("已通过", "Passed"),
    "partial": ("部分通过", "Partial"),
    "missing": ("未测试", "Missing"),
}
DEVICE_KINDS = {
    "button": ("报警按钮", "Button"),
    "camera": ("摄像机", "Camera"),
    "speaker": ("音柱", "Speaker"),
    "panel": ("报警主机", "Panel"),
}
PERIODS = {
    "day": ("日报", "Daily report"),
    "week": ("周报", "Weekly report"),
    "month": ("月报", "Monthly report"),
    "custom": ("自定义时段", "Custom period"),
}
STEPS = {
    "ack": ("确认", "Acknowledge"),
    "accept": ("接警", "Accept"),
    "arrive": ("到场", "Arrive"),
}

TEST_NOTE = (
    "响应时间等数据不含测试事件（测试按压、测试模式单位）。",
    "Response times and all other figures exclude test incidents (test presses, sites in test mode).",
)
PATROL_NOTE = (
    "视频巡查覆盖率：白班 08:00–20:00、夜班 20:00–08:00（辖区时间），班次计入其开始的日期；"
    "本班内有任一巡查记录即算该摄像机已查看。",
    "Patrol log coverage: shifts are the day (08:00–20:00) and night (20:00–08:00) halves in the district's "
    "time zone, each counted on the day it starts; any logged view counts as the camera checked in that shift.",
)
PATROL_MISSING_NOTE = (
    "视频巡查记录覆盖率：本报表不含巡查记录。",
    "Patrol log coverage: this report holds no patrol log.",
)
HALVES = {"day": ("白班", "day"), "night": ("夜班", "night")}
OUTCOMES = {
    "checked": ("正常", "Checked"),
    "observation": ("记录情况", "Observation"),
    "warning_issued": ("已喊话", "Warning issued"),
    "incident_opened": ("已立案", "Incident opened"),
}
TARGET_NOTE = (
    "达标率：确认、到场自首次报警起计；接警自首次派警起计。",
    "Within target: acknowledge and arrive from the first event; accept from the first dispatch.",
)


def both(pair: tuple[str, str]) -> str:
    return f"{pair[0]} {pair[1]}"


def term(table: dict[str, tuple[str, str]], code: str | None) -> str:
    if code is None:
        return "—"
    return both(table[code]) if code in table else code


def seconds_text(value: float | None) -> str:
    """Seconds as people read them: 42 s, 3 min 05 s, 1 h 02 min; '–' for none."""
    if value is None:
        return "–"
    total = round(value)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    if total < 86400:
        return f"{total // 3600} h {total % 3600 // 60:02d} min"
    return f"{total // 86400} d {total % 86400 // 3600} h"


def percent_text(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def patrol_note(report: dict[str, Any]) -> tuple[str, str]:
    """How patrol coverage is counted, or that the report has none (a report made before patrol logs)."""
    return PATROL_NOTE if report.get("patrol_coverage") is not None else PATROL_MISSING_NOTE


def group_name(row: dict[str, Any], fallback: str = "—") -> str:
    return str(row.get("name") or row.get("id") or fallback)


def kind_of(code: str) -> str:
    """The kind a report shows: a known kind, else "other"."""
    return code if code in KINDS else OTHER_KIND


def kind_words(code: str) -> tuple[str, str]:
    return KINDS.get(code, OTHER_KIND_WORDS)


def kind_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts per kind with unknown kinds summed as "other", in the order KINDS lists them."""
    merged: dict[str, int] = {}
    for code, n in counts.items():
        merged[kind_of(code)] = merged.get(kind_of(code), 0) + n
    order = [*KINDS, OTHER_KIND]
    return {k: merged[k] for k in sorted(merged, key=order.index)}


def definitions(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(Chinese, English) of each figure's definition: the report's own, else today's."""
    stated = report.get("definitions")
    if stated:
        return [(d["zh"], d["en"]) for d in stated]
    return [(d.zh, d.en) for d in DEFINITIONS]
