"""Reports, the pure parts: periods in the district's time zone, the arithmetic, and the CSV and PDF
renderers on a hand-made report (no database)."""

from __future__ import annotations

import csv
import io
import re
import statistics
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.adapters.reports_csv import render_csv
from hub.adapters.reports_pdf import FontMissing, clock_text, render_pdf
from hub.domain.reports import (
    DEFINITIONS,
    MAX_CUSTOM_DAYS,
    PeriodError,
    PeriodKind,
    parse_period,
    percentile,
    share,
    within_target,
)
from hub.services.views.reports import Report

SHANGHAI = "Asia/Shanghai"


def test_a_month_is_its_whole_days_in_the_district_time_zone() -> None:
    period = parse_period({"period": "month", "month": "2026-10"}, SHANGHAI)
    assert period.kind is PeriodKind.MONTH and period.label == "2026-10" and period.days == 31
    assert period.start == datetime(2026, 10, 1, tzinfo=ZoneInfo(SHANGHAI))
    assert period.end == datetime(2026, 11, 1, tzinfo=ZoneInfo(SHANGHAI))
    assert period.start.isoformat() == "2026-10-01T00:00:00+08:00"
    december = parse_period({"month": "2026-12"}, SHANGHAI)  # month is the default period
    assert december.end.date() == date(2027, 1, 1) and december.last_day == date(2026, 12, 31)
    february = parse_period({"period": "month", "month": "2028-02"}, SHANGHAI)
    assert february.days == 29


def test_days_weeks_and_custom_ranges() -> None:
    day = parse_period({"period": "day", "date": "2026-10-05"}, SHANGHAI)
    assert (day.end - day.start) == timedelta(days=1) and day.label == "2026-10-05"
    week = parse_period({"period": "week", "week": "2026-W01"}, SHANGHAI)
    assert (week.first_day, week.last_day) == (date(2025, 12, 29), date(2026, 1, 4))  # ISO weeks start on Monday
    custom = parse_period({"period": "custom", "from": "2026-10-01", "to": "2026-10-15"}, SHANGHAI)
    assert custom.days == 15 and custom.label == "2026-10-01..2026-10-15"
    assert custom.query() == {"period": "custom", "from": "2026-10-01", "to": "2026-10-15"}
    assert parse_period(week.query(), SHANGHAI) == week


def test_a_day_with_a_clock_change_is_23_or_25_hours() -> None:
    spring = parse_period({"period": "day", "date": "2026-03-29"}, "Europe/Berlin")
    autumn = parse_period({"period": "day", "date": "2026-10-25"}, "Europe/Berlin")
    # Aware datetimes of one zone subtract as wall clocks: compare instants (what PostgreSQL receives).
    assert spring.end.astimezone(UTC) - spring.start.astimezone(UTC) == timedelta(hours=23)
    assert autumn.end.astimezone(UTC) - autumn.start.astimezone(UTC) == timedelta(hours=25)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"period": "quarter"}, "period"),
        ({"period": "day"}, "date"),
        ({"period": "day", "date": "2026-02-30"}, "date"),
        ({"period": "day", "date": "5.10.2026"}, "date"),
        ({"period": "week", "week": "2025-W53"}, "week"),  # 2025 has 52 ISO weeks (2026 has 53)
        ({"period": "week", "week": "W41"}, "week"),
        ({"period": "month", "month": "2026-00"}, "month"),
        ({"period": "month", "month": "202610"}, "month"),
        ({"period": "custom", "from": "2026-10-01"}, "to"),
        ({"period": "custom", "from": "2026-10-02", "to": "2026-10-01"}, "to"),
        ({"period": "custom", "from": "2025-01-01", "to": "2026-01-02"}, "to"),  # 367 days
    ],
)
def test_bad_periods_name_the_parameter(query: dict[str, str], parameter: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(query, SHANGHAI)
    assert raised.value.parameter == parameter


def test_the_longest_custom_range() -> None:
    first = date(2026, 1, 1)
    last = first + timedelta(days=MAX_CUSTOM_DAYS - 1)
    assert parse_period({"period": "custom", "from": str(first), "to": str(last)}, SHANGHAI).days == MAX_CUSTOM_DAYS


@given(st.lists(st.floats(min_value=0, max_value=1e5, allow_nan=False), min_size=2, max_size=60))
def test_percentile_interpolates_like_percentile_cont(values: list[float]) -> None:
    assert percentile(values, 0.5) == pytest.approx(statistics.median(values))
    assert percentile(values, 0.9) == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8])
    assert percentile(values, 0.0) == min(values) and percentile(values, 1.0) == max(values)


def test_percentile_of_one_and_of_none() -> None:
    assert percentile([42.0], 0.9) == 42.0
    assert percentile([], 0.5) is None


def test_within_target_counts_late_and_never_reached_but_not_closed_in_time() -> None:
    assert within_target(20, 30, 500) is True
    assert within_target(30, 30, 500) is True
    assert within_target(31, 30, 500) is False
    assert within_target(None, 30, 300) is False  # open or closed after the target without the step
    assert within_target(None, 30, 20) is None  # closed before the target ran out
    assert share(1, 3) == pytest.approx(1 / 3) and share(0, 0) is None


def test_compact_durations() -> None:
    assert [clock_text(v) for v in (None, 4.4, 59.6, 137, 3725)] == ["–", "4 s", "1:00", "2:17", "1:02:05"]


# ---- renderers on a hand-made report --------------------------------------------------------------------


def _step(n: int, median: float | None, p90: float | None, due: int, within: int) -> dict[str, Any]:
    return {"n": n, "median_s": median, "p90_s": p90, "due": due, "within": within, "share_within": share(within, due)}


def _stats(incidents: int, **extra: Any) -> dict[str, Any]:
    stats = {
        "incidents": incidents,
        "test_incidents": 1,
        "by_kind": {"panic": incidents},
        "by_priority": {"P1": incidents},
        "by_disposition": {"genuine": incidents - 1, "false_alarm": 1} if incidents else {},
        "ack": _step(incidents, 12.0, 28.5, incidents, incidents - 1) if incidents else _step(0, None, None, 0, 0),
        "accept": _step(incidents, 40.0, 75.0, incidents, incidents) if incidents else _step(0, None, None, 0, 0),
        "arrive": _step(incidents, 410.0, 640.0, incidents, 1) if incidents else _step(0, None, None, 0, 0),
        "escalated_incidents": 1,
        "escalations": 2,
        "arrival_overdue": 1,
        "resolved": incidents,
        "false_alarms": 1 if incidents else 0,
        "false_alarm_rate": share(1, incidents) if incidents else None,
        "warnings": 3,
    }
    stats.update(extra)
    return stats


def sample_report(grids: int = 2) -> dict[str, Any]:
    dispatches = {"offered": 3, "declined": 1, "timed_out": 0}
    return {
        "district": {"id": "d1", "name": "城南派出所辖区", "name_en": "Chengnan", "timezone": SHANGHAI},
        "period": {
            "kind": "month",
            "label": "2026-10",
            "from": "2026-10-01T00:00:00+08:00",
            "to": "2026-11-01T00:00:00+08:00",
            "first_day": "2026-10-01",
            "last_day": "2026-10-31",
            "days": 31,
            "query": {"period": "month", "month": "2026-10"},
        },
        "generated_at": "2026-11-02T09:30:00+08:00",
        "targets": [{"priority": 1, "ack_s": 30, "accept_s": 60, "arrival_s": 600}],
        "totals": _stats(4 * grids),
        "grids": [
            {"id": f"g{n}", "name": f"网格{n}", "name_en": None, "officer_id": "o1", "officer_name": "李警官"}
            | {"officer_name_en": None, "site_ids": [f"s{n}"]}
            | _stats(4)
            for n in range(grids)
        ],
        "officers": [
            {
                "id": "o1",
                "name": "李警官",
                "name_en": None,
                "role": "officer",
                "grid_id": "g0",
                "dispatches": dispatches,
            }
            | _stats(3),
            {"id": None, "name": None, "name_en": None, "role": None, "grid_id": None, "dispatches": dispatches}
            | _stats(0),
        ],
        "sites": [
            {"id": f"s{n}", "name": f"第{n}小学", "name_en": f"School {n}", "kind": "school", "grid_id": f"g{n}"}
            | {"test_mode": False}
            | _stats(4)
            for n in range(grids)
        ],
        "drills": {
            "summary": {"sites": 1, "passed": 0, "partial": 1, "missing": 0},
            "sites": [
                {
                    "site_id": "s0",
                    "name": "第0小学",
                    "name_en": "School 0",
                    "grid_id": "g0",
                    "status": "partial",
                    "buttons": 2,
                    "buttons_passed": 1,
                    "last_test_at": "2026-10-09T10:00:00+08:00",
                    "devices": [
                        {
                            "device_id": "b1",
                            "label": "门卫室",
                            "label_en": None,
                            "passed": True,
                            "presses": 2,
                            "first_at": "2026-10-02T10:00:00+08:00",
                            "last_at": "2026-10-09T10:00:00+08:00",
                        },
                        {
                            "device_id": "b2",
                            "label": "",
                            "label_en": None,
                            "passed": False,
                            "presses": 0,
                            "first_at": None,
                            "last_at": None,
                        },
                    ],
                }
            ],
        },
        "availability": {
            "window": {"from": "2026-10-01T00:00:00+08:00", "to": "2026-11-01T00:00:00+08:00", "seconds": 2678400.0},
            "summary": {
                "devices": 1,
                "with_outages": 1,
                "uptime_share": 0.99,
                "by_kind": {"camera": {"devices": 1, "with_outages": 1, "uptime_share": 0.99}},
            },
            "devices": [
                {
                    "device_id": "c1",
                    "site_id": "s0",
                    "grid_id": "g0",
                    "kind": "camera",
                    "label": "大门",
                    "label_en": None,
                    "uptime_share": 0.99,
                    "downtime_s": 26784.0,
                    "outages": 2,
                    "longest_outage_s": 20000.0,
                    "longest_outage_from": "2026-10-03T01:00:00+08:00",
                    "offline_at_end": False,
                    "online_now": True,
                    "last_seen_at": "2026-11-02T09:29:00+08:00",
                }
            ],
        },
        "sections_not_available": ["patrol_coverage"],
    }


def test_the_csv_has_a_section_per_table_with_bilingual_headers() -> None:
    report = sample_report()
    text = render_csv(Report.model_validate(report)).decode("utf-8")
    assert text.startswith("\ufeff## 报表 Report\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    titles = [r[0] for r in rows if r and r[0].startswith("## ")]
    assert titles == [
        "## 报表 Report",
        "## 响应目标 Response targets",
        "## 网格 Grids",
        "## 民警 Officers",
        "## 单位 Sites",
        "## 一键报警演练 Button drills",
        "## 设备可用性 Device availability",
    ]
    grids_at = rows.index(["## 网格 Grids"])
    header, first = rows[grids_at + 1], rows[grids_at + 2]
    cell = dict(zip([h.split(" ")[-1] for h in header], first, strict=True))
    assert cell["grid_id"] == "g0" and cell["incidents"] == "4" and cell["kind:panic"] == "4"
    assert cell["ack_median_s"] == "12.0" and cell["ack_share_within"] == "0.7500"
    assert cell["arrive_share_within"] == "0.2500" and cell["false_alarm_rate"] == "0.2500"
    assert any("Patrol log coverage" in c for r in rows for c in r)
    officers_at = rows.index(["## 民警 Officers"])
    assert rows[officers_at + 3][1] == "（无人接警：已派警、无人接受）Dispatched, never accepted"


def test_the_pdf_embeds_the_cjk_font_and_has_a_page_per_grid() -> None:
    pdf = render_pdf(Report.model_validate(sample_report(grids=3)))
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile3" in pdf and b"NotoSansCJKSC" in pdf
    assert b"/Count 6" in pdf  # summary, definitions, 3 grids, drills and availability


def test_the_pdf_says_so_when_no_cjk_font_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.adapters.reports_pdf import document

    document.font_file.cache_clear()
    monkeypatch.setenv("SENTINEL_REPORT_FONT", "/nonexistent/font.ttc")
    try:
        with pytest.raises(FontMissing):
            render_pdf(Report.model_validate(sample_report()))
    finally:
        monkeypatch.delenv("SENTINEL_REPORT_FONT")
        document.font_file.cache_clear()


def sample_coverage(shifts: int = 62) -> dict[str, Any]:
    """Patrol log coverage as PostgresReports builds it: every shift of October, three cameras to patrol."""
    rows = []
    for n in range(shifts):
        day = date(2026, 10, 1) + timedelta(days=n // 2)
        half = "day" if n % 2 == 0 else "night"
        start = datetime.combine(day, datetime.min.time(), ZoneInfo(SHANGHAI)) + timedelta(
            hours=8 if half == "day" else 20
        )
        checked = n % 4  # 0, 1, 2, 3 of 3 cameras
        viewed = ["c1", "c2", "c3"][: min(checked, 3)]
        rows.append(
            {
                "shift": f"{day.isoformat()} {half}",
                "day": day.isoformat(),
                "half": half,
                "from": start.isoformat(),
                "to": (start + timedelta(hours=12)).isoformat(),
                "cameras_checked": len(viewed),
                "cameras_expected": 3,
                "coverage": len(viewed) / 3,
                "cameras_not_checked": [c for c in ("c1", "c2", "c3") if c not in viewed],
                "other_cameras": [],
                "views": len(viewed) * 2,
                "runs": 1 if viewed else 0,
                "by_outcome": {
                    "checked": len(viewed),
                    "observation": len(viewed),
                    "warning_issued": 0,
                    "incident_opened": 0,
                },
                "staff": ["user:zhang"] if viewed else [],
            }
        )
    return {
        "shift_rule": "fixed halves",
        "summary": {
            "shifts": len(rows),
            "shifts_patrolled": sum(bool(r["views"]) for r in rows),
            "shifts_fully_covered": sum(r["cameras_checked"] == 3 for r in rows),
            "cameras_expected": 3,
            "mean_coverage": statistics.mean(r["coverage"] for r in rows) if rows else None,
            "views": sum(r["views"] for r in rows),
            "runs": sum(r["runs"] for r in rows),
            "by_outcome": {o: sum(r["by_outcome"][o] for r in rows) for o in rows[0]["by_outcome"]} if rows else {},
        },
        "shifts": rows,
        "cameras": [
            {
                "camera_id": c,
                "label": label,
                "label_en": None,
                "site_id": "s0",
                "expected": True,
                "views": 10,
                "shifts_checked": 5,
                "shift_coverage": 5 / len(rows),
                "last_viewed_at": "2026-10-31T21:00:00+08:00",
            }
            for c, label in (("c1", "大门"), ("c2", "操场"), ("c3", ""))
        ],
    }


def test_the_csv_has_the_patrol_coverage_per_shift_and_per_camera() -> None:
    report = {**sample_report(), "patrol_coverage": sample_coverage(), "sections_not_available": []}
    rows = list(csv.reader(io.StringIO(render_csv(Report.model_validate(report)).decode("utf-8").lstrip("\ufeff"))))
    titles = [r[0] for r in rows if r and r[0].startswith("## ")]
    assert titles[-2:] == ["## 视频巡查覆盖率 Patrol log coverage", "## 巡查摄像机 Patrol cameras"]
    at = rows.index(["## 视频巡查覆盖率 Patrol log coverage"])
    header = [h.split(" ")[-1] for h in rows[at + 1]]
    shifts = [dict(zip(header, r, strict=True)) for r in rows[at + 2 : at + 2 + 62]]
    assert shifts[3]["shift"] == "2026-10-02 night" and shifts[3]["half"] == "夜班 night"
    assert (shifts[3]["cameras_checked"], shifts[3]["cameras_expected"], shifts[3]["coverage"]) == ("3", "3", "1.0")
    assert shifts[1]["coverage"] == "0.3333" and shifts[1]["cameras_not_checked"] == "c2 c3"
    assert shifts[1]["staff"] == "user:zhang" and shifts[0]["views"] == "0"
    notes = [r[1] for r in rows if r and r[0] == "定义 definition"]
    assert any("08:00–20:00" in n for n in notes)
    cameras_at = rows.index(["## 巡查摄像机 Patrol cameras"])
    assert rows[cameras_at + 2][:2] == ["c1", "大门"]


def test_the_pdf_ends_with_the_patrol_coverage_pages() -> None:
    report = {**sample_report(grids=3), "patrol_coverage": sample_coverage(), "sections_not_available": []}
    pdf = render_pdf(Report.model_validate(report))
    # summary, definitions, 3 grids, drills and availability, then 62 shifts: three pages of patrol coverage
    assert b"/Count 9" in pdf
    assert b"/Count 7" in render_pdf(Report.model_validate({**report, "patrol_coverage": sample_coverage(shifts=4)}))


def test_the_mandarin_definitions_use_no_english_words_but_the_sample_size_n() -> None:
    for definition in DEFINITIONS:
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", definition.zh)) - {"n"}
        assert words == set(), (definition.figure, words)  # e.g. "offline 至 online" was left in English
