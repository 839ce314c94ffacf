"""A report as one CSV file with sections, for spreadsheets (Excel, WPS).

One file rather than a zip of files: supervisors open it with a double click and see every table on
one sheet. Each section starts with a title row (`## 网格 Grids`), then its header row, then its rows;
a blank row ends it. UTF-8 with a byte-order mark, so Excel shows the Chinese correctly. Programs
should read the JSON (`GET /api/v1/reports`), which carries the same figures.

Seconds are plain numbers (one decimal), shares are fractions (0.8333), empty means "no value".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from hub.adapters.reports_text import (
    DEVICE_KINDS,
    DISPOSITIONS,
    DRILL_STATUS,
    HALVES,
    OUTCOMES,
    PERIODS,
    STEPS,
    both,
    definitions,
    kind_counts,
    kind_words,
    term,
)
from hub.services.views.report_sections import Deterrence, PatrolCoverage, StepCompliance, VideoVerification
from hub.services.views.reports import Report, ReportStats

_STEP_FIELDS = (
    ("n", "样本", "n"),
    ("median_s", "中位数(秒)", "median_s"),
    ("p90_s", "90分位(秒)", "p90_s"),
    ("due", "应达标", "due"),
    ("within", "达标", "within"),
    ("share_within", "达标率", "share_within"),
)
_TAIL_FIELDS = (
    ("escalated_incidents", "升级事件", "escalated_incidents"),
    ("escalations", "升级次数", "escalations"),
    ("arrival_overdue", "到场超时", "arrival_overdue"),
    ("resolved", "已办结", "resolved"),
    ("false_alarms", "误报", "false_alarms"),
    ("false_alarm_rate", "误报率", "false_alarm_rate"),
    ("warnings", "喊话次数", "warnings"),
)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) <= 1 and not value.is_integer() else f"{value:.1f}"
    return value


def _kinds(report: Report) -> list[str]:
    seen: dict[str, int] = {}
    for row in (report.totals, *report.grids, *report.officers, *report.sites):
        seen.update(row.by_kind)
    return list(kind_counts(seen))


def _metric_header(kinds: Sequence[str]) -> list[str]:
    header = ["事件数 incidents", "测试事件(不计入) test_incidents"]
    header += [f"{kind_words(k)[0]} kind:{k}" for k in kinds]  # label, then the column's key
    header += [f"P{p} priority:P{p}" for p in range(1, 5)]
    header += [f"{label[0]} disposition:{code}" for code, label in DISPOSITIONS.items()]
    for step, (zh, _en) in STEPS.items():
        header += [f"{zh}{field_zh} {step}_{key}" for key, field_zh, _ in _STEP_FIELDS]
    header += [f"{zh} {en}" for _, zh, en in _TAIL_FIELDS]
    return header


def _metrics(row: ReportStats, kinds: Sequence[str]) -> list[Any]:
    cells: list[Any] = [row.incidents, row.test_incidents]
    by_kind = kind_counts(row.by_kind)
    cells += [by_kind.get(k, 0) for k in kinds]
    cells += [row.by_priority.get(f"P{p}", 0) for p in range(1, 5)]
    cells += [row.by_disposition.get(code, 0) for code in DISPOSITIONS]
    for step in STEPS:
        cells += [getattr(getattr(row, step), key) for key, _, _ in _STEP_FIELDS]
    cells += [getattr(row, key) for key, _, _ in _TAIL_FIELDS]
    return [_cell(c) for c in cells]


def _section(out: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    out.writerow([f"## {title}"])
    out.writerow(header)
    for row in rows:
        out.writerow([_cell(c) for c in row])
    out.writerow([])


def render_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    period = report.period
    district = report.district
    kinds = _kinds(report)
    _section(
        out,
        "报表 Report",
        ["项目 item", "值 value"],
        [
            ["辖区 district", f"{district.name} ({district.id})"],
            ["报表 report", both(PERIODS[period.kind])],
            ["时段 period", period.label],
            ["起 from", period.from_],
            ["止(不含) to (exclusive)", period.to],
            ["时区 timezone", district.timezone],
            ["生成时间 generated at", report.generated_at],
            *(["定义 definition", f"{zh} {en}"] for zh, en in definitions(report)),
        ],
    )
    _section(
        out,
        "响应目标 Response targets",
        ["级别 priority", "确认(秒) ack_s", "接警(秒) accept_s", "到场(秒) arrival_s"],
        [[f"P{t.priority}", t.ack_s, t.accept_s, t.arrival_s] for t in report.targets],
    )
    header = _metric_header(kinds)
    _section(
        out,
        "网格 Grids",
        ["网格编号 grid_id", "网格 grid", "责任民警 officer", *header],
        [
            *(
                [g.id or "", g.name or "（不在辖区配置中）", g.officer_name or "", *_metrics(g, kinds)]
                for g in report.grids
            ),
            ["", "全辖区 District total", "", *_metrics(report.totals, kinds)],
        ],
    )
    _section(
        out,
        "民警 Officers",
        [
            "民警编号 officer_id",
            "民警 officer",
            "网格 grid_id",
            "派警 dispatches_offered",
            "拒绝 declined",
            "超时未接 timed_out",
            *header,
        ],
        (
            [
                o.id or "",
                o.name or "（无人接警：已派警、无人接受）Dispatched, never accepted",
                o.grid_id or "",
                o.dispatches.offered,
                o.dispatches.declined,
                o.dispatches.timed_out,
                *_metrics(o, kinds),
            ]
            for o in report.officers
        ),
    )
    _section(
        out,
        "单位 Sites",
        ["单位编号 site_id", "单位 site", "Site", "网格 grid_id", *header],
        ([s.id, s.name, s.name_en, s.grid_id or "", *_metrics(s, kinds)] for s in report.sites),
    )
    _section(
        out,
        "一键报警演练 Button drills",
        [
            "单位编号 site_id",
            "单位 site",
            "网格 grid_id",
            "单位结果 site_status",
            "按钮 device_id",
            "按钮名称 label",
            "通过 passed",
            "测试次数 presses",
            "首次 first_at",
            "最近 last_at",
        ],
        (
            [
                s.site_id,
                s.name,
                s.grid_id,
                term(DRILL_STATUS, s.status),
                b.device_id,
                b.label,
                b.passed,
                b.presses,
                b.first_at,
                b.last_at,
            ]
            for s in report.drills.sites
            for b in s.devices
        ),
    )
    availability = report.availability
    _section(
        out,
        "设备可用性 Device availability",
        [
            "设备 device_id",
            "类型 kind",
            "名称 label",
            "单位 site_id",
            "网格 grid_id",
            "在线率 uptime_share",
            "离线时长(秒) downtime_s",
            "离线次数 outages",
            "最长离线(秒) longest_outage_s",
            "最长离线开始 longest_outage_from",
            "期末离线 offline_at_end",
            "当前在线 online_now",
        ],
        (
            [
                d.device_id,
                term(DEVICE_KINDS, d.kind),
                d.label,
                d.site_id,
                d.grid_id or "",
                d.uptime_share,
                d.downtime_s,
                d.outages,
                d.longest_outage_s,
                d.longest_outage_from,
                d.offline_at_end,
                d.online_now,
            ]
            for d in availability.devices
        ),
    )
    if report.patrol_coverage is not None:
        _patrol(out, report.patrol_coverage)
    if report.video_verification is not None:
        _video_verification(out, report.video_verification)
    if report.step_compliance is not None:
        _step_compliance(out, report.step_compliance)
    if report.deterrence is not None:
        _deterrence(out, report.deterrence)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _video_verification(out: Any, figures: VideoVerification) -> None:
    """Press to video verification per site (hub/adapters/postgres/reports_verification.py)."""
    keys = ("requested", "verified", "verified_share", "within_target", "within_target_share", "median_s", "p90_s")
    _section(
        out,
        "按压视频核验 Press to video verification",
        [
            "单位 site_id",
            "单位名称 site_name",
            "请求 requested",
            "收到 verified",
            "收到率 verified_share",
            f"{figures.target_s:g}秒内 within_target",
            "按时率 within_target_share",
            "中位数 median_s",
            "90分位 p90_s",
        ],
        [
            *([r.site_id, r.site_name, *(getattr(r, k) for k in keys)] for r in figures.sites),
            ["total", "", *(getattr(figures.totals, k) for k in keys)],
        ],
    )


def _deterrence(out: Any, figures: Deterrence) -> None:
    """Talk-down verdicts per site and month (hub/adapters/postgres/reports_deterrence.py)."""
    keys = ("warned", "deterred", "not_deterred", "deterred_share")
    _section(
        out,
        "喊话劝离率 Deterrence rate",
        [
            "单位 site_id",
            "单位名称 site_name",
            "月份 month",
            "已判定 warned",
            "劝离 deterred",
            "未劝离 not_deterred",
            "劝离率 deterred_share",
        ],
        [
            *([r.site_id, r.site_name, r.month, *(getattr(r, k) for k in keys)] for r in figures.sites),
            ["total", "", "", *(getattr(figures.totals, k) for k in keys)],
        ],
    )


def _step_compliance(out: Any, figures: StepCompliance) -> None:
    """Response step compliance per desk seat (hub/adapters/postgres/reports_steps.py)."""
    keys = ("incidents", "required_due", "required_done", "compliance", "resolved_with_open_steps")
    _section(
        out,
        "处置步骤执行率 Response step compliance",
        [
            "席位 seat",
            "警情 incidents",
            "必做 required_due",
            "完成 required_done",
            "执行率 compliance",
            "未完成即处置 resolved_with_open_steps",
        ],
        [
            *([r.seat, *(getattr(r, k) for k in keys)] for r in figures.seats),
            ["total", *(getattr(figures.totals, k) for k in keys)],
        ],
    )


def _patrol(out: Any, coverage: PatrolCoverage) -> None:
    _section(
        out,
        "视频巡查覆盖率 Patrol log coverage",
        [
            "班次 shift",
            "日期 day",
            "班别 half",
            "起 from",
            "止 to",
            "已查看摄像机 cameras_checked",
            "应查看摄像机 cameras_expected",
            "覆盖率 coverage",
            "巡查记录 views",
            "巡查轮次 runs",
            *(f"{zh} {code}" for code, (zh, _en) in OUTCOMES.items()),
            "巡查人员 staff",
            "未查看 cameras_not_checked",
        ],
        (
            [
                s.shift,
                s.day,
                term(HALVES, s.half),
                s.from_,
                s.to,
                s.cameras_checked,
                s.cameras_expected,
                s.coverage,
                s.views,
                s.runs,
                *(s.by_outcome[code] for code in OUTCOMES),
                " ".join(s.staff),
                " ".join(s.cameras_not_checked),
            ]
            for s in coverage.shifts
        ),
    )
    _section(
        out,
        "巡查摄像机 Patrol cameras",
        [
            "摄像机 camera_id",
            "名称 label",
            "单位 site_id",
            "巡查路线上 expected",
            "巡查记录 views",
            "已查看班次 shifts_checked",
            "班次覆盖率 shift_coverage",
            "最近查看 last_viewed_at",
        ],
        (
            [
                c.camera_id,
                c.label,
                c.site_id or "",
                c.expected,
                c.views,
                c.shifts_checked,
                c.shift_coverage,
                c.last_viewed_at,
            ]
            for c in coverage.cameras
        ),
    )
