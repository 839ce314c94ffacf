"""The report's pages, in order: summary, definitions, one page per grid, button drills and device
availability, patrol log coverage, and the response figures (response_page.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.adapters.reports_pdf.cells import (
    Column,
    Row,
    count_text,
    coverage_status,
    device_label,
    local_minute,
    metric_columns,
    name_lines,
    not_checked,
    outcome_count,
    target_caption,
)
from hub.adapters.reports_pdf.document import DIM, MARGIN, MEDIAN, P90, PAGE_H, WIDTH, Document
from hub.adapters.reports_pdf.response_page import has_response_figures, response_page
from hub.adapters.reports_text import (
    DEVICE_KINDS,
    DISPOSITIONS,
    DRILL_STATUS,
    HALVES,
    OUTCOMES,
    STEPS,
    TEST_NOTE,
    definitions,
    kind_counts,
    kind_words,
    patrol_note,
    percent_text,
    seconds_text,
)
from hub.services.views.report_sections import PatrolCoverage
from hub.services.views.reports import GridRow, Report, ReportStats, ResponseStep, SiteRow

CLOCK_NOTE = ("时长格式：秒 s，分:秒，时:分:秒。", "Durations: s, min:s, h:min:s.")
DEFINITIONS_NOTE = ("各项数据的定义见第 2 页。", "What each figure counts: page 2.")


class _Renderer:
    def __init__(self, report: Report) -> None:
        self.r = report
        self.pdf = Document(report)
        generated = datetime.fromisoformat(report.generated_at)
        period = report.period
        self.detail = (
            f"{period.first_day} – {period.last_day} ({report.district.timezone}) · "
            f"生成 generated {generated:%Y-%m-%d %H:%M}"
        )
        self.drill_status: dict[str, str] = {s.site_id: s.status for s in report.drills.sites}

    def drill_of(self, site: SiteRow) -> str:
        return DRILL_STATUS.get(self.drill_status.get(site.id, ""), ("—",))[0]

    def render(self) -> bytes:
        self.summary_page()
        self.definitions_page()
        for grid in self.r.grids:
            self.grid_page(grid)
        self.drills_and_availability()
        if self.r.patrol_coverage is not None:
            self.patrol_coverage(self.r.patrol_coverage)
        if has_response_figures(self.r):
            response_page(self.pdf, self.r, self.detail)
        return bytes(self.pdf.output())

    def _tiles(self, y: float, row: ReportStats, extra: Sequence[tuple[str, str, str]]) -> float:
        return self.pdf.tiles(
            y,
            [
                ("事件", "Incidents", str(row.incidents)),
                ("确认达标率", "Acknowledged in target", percent_text(row.ack.share_within)),
                ("接警达标率", "Accepted in target", percent_text(row.accept.share_within)),
                ("到场达标率", "On scene in target", percent_text(row.arrive.share_within)),
                ("到场用时中位数", "Median time to arrive", seconds_text(row.arrive.median_s)),
                ("误报率", "False-alarm rate", percent_text(row.false_alarm_rate)),
                *extra,
            ],
        )

    def _notes(self, y: float) -> None:
        """Page 1's footnote: what is left out, how durations read, where the definitions are."""
        pdf = self.pdf
        pdf.font(6.8, colour=DIM)
        text = "\n".join(f"{zh}  {en}" for zh, en in (TEST_NOTE, CLOCK_NOTE, DEFINITIONS_NOTE))
        pdf.paragraph(MARGIN, y - 3.6, WIDTH, text)

    def definitions_page(self) -> None:
        """What every figure counts, in both languages (the same words as the page and the CSV)."""
        pdf = self.pdf
        pdf.add_page()
        y = pdf.banner("指标定义", "What each figure counts", self.detail)
        for zh, en in definitions(self.r):
            pdf.font(8.4)
            y = pdf.paragraph(MARGIN, y, WIDTH, zh)
            pdf.font(7.6, colour=DIM)
            y = pdf.paragraph(MARGIN, y, WIDTH, en) + 2.4

    def summary_page(self) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()
        y = pdf.banner(f"{r.district.name} 接处警月度考评", "Response, drills and equipment report", self.detail)
        totals = r.totals
        drills = r.drills.summary
        uptime = r.availability.summary.uptime_share
        y = self._tiles(
            y,
            totals,
            [
                ("演练通过单位", "Sites drilled", f"{drills.passed}/{drills.sites}"),
                ("设备在线率", "Device uptime", percent_text(uptime, 1)),
            ],
        )
        y = pdf.section(y, "各网格对比", "Grids compared")
        rows = [*r.grids, Row(totals, bold=True)]
        columns = metric_columns(Column("网格", "Grid", 70, "L", _grid_name))
        y = pdf.bilingual_table(y, columns, rows, lambda: pdf.banner("各网格对比", "Grids compared", self.detail))
        chart_y = y + 5
        chart_h = min(75.0, PAGE_H - 40 - chart_y)
        if chart_h < 40:
            return self._notes(PAGE_H - 22)
        for n, step in enumerate(STEPS):
            series = [(g.name or "—", [_step(g, step).median_s, _step(g, step).p90_s]) for g in r.grids]
            pdf.bars(
                MARGIN + n * (WIDTH / 3),
                chart_y,
                WIDTH / 3 - 6,
                chart_h,
                (f"{STEPS[step][0]}用时", f"Time to {STEPS[step][1].lower()}"),
                series,
                [MEDIAN, P90],
                f"全辖区 district: {target_caption(_step(totals, step))}",
            )
        pdf.legend(MARGIN, chart_y + chart_h + 1, [("中位数 Median", MEDIAN), ("90分位 90th percentile", P90)])
        self._notes(PAGE_H - 22)

    def grid_page(self, grid: GridRow) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()
        name = grid.name or "（不在辖区配置中）"
        officer = f" · 责任民警 {grid.officer_name}" if grid.officer_name else ""
        english = f"Grid {grid.name_en or grid.id or '—'}" + (
            f" · officer {grid.officer_name_en or grid.officer_name}" if grid.officer_name else ""
        )

        def title() -> float:
            return pdf.banner(f"网格 {name}{officer}", f"{english} (continued 续)", self.detail)

        y = pdf.banner(f"网格 {name}{officer}", english, self.detail)
        y = self._tiles(
            y,
            grid,
            [("升级事件", "Escalated", str(grid.escalated_incidents)), ("喊话", "Warnings", str(grid.warnings))],
        )
        pdf.font(7.6, colour=DIM)
        kinds = "  ".join(f"{kind_words(k)[0]} {n}" for k, n in kind_counts(grid.by_kind).items()) or "–"
        y = pdf.paragraph(MARGIN, y - 2, WIDTH, f"类型 Kinds:  {kinds}")
        y = pdf.paragraph(MARGIN, y, WIDTH, f"处置 Dispositions:  {count_text(DISPOSITIONS, grid.by_disposition)}")
        y += 1.5
        chart_w = WIDTH / 3
        for n, step in enumerate(STEPS):
            pdf.bars(
                MARGIN + n * chart_w,
                y,
                chart_w - 6,
                44,
                (f"{STEPS[step][0]}用时", f"Time to {STEPS[step][1].lower()}"),
                [
                    ("本网格 Grid", [_step(grid, step).median_s, _step(grid, step).p90_s]),
                    ("全辖区 District", [_step(r.totals, step).median_s, _step(r.totals, step).p90_s]),
                ],
                [MEDIAN, P90],
                target_caption(_step(grid, step)),
            )
        pdf.legend(MARGIN, y + 44, [("中位数 Median", MEDIAN), ("90分位 90th percentile", P90)])
        y = pdf.section(y + 50, "单位", "Sites")
        sites = [
            Row(s, status=self.drill_status.get(s.id), status_column="演练") for s in r.sites if s.grid_id == grid.id
        ]
        columns = metric_columns(Column("单位", "Site", 55, "L", name_lines))
        columns.append(Column("演练", "Drill", 19, "C", self.drill_of))
        y = pdf.bilingual_table(y, columns, sites, title)
        officers = [o for o in r.officers if o.id is not None and o.grid_id == grid.id]
        if officers:
            if y + 9 + 9.5 + 6.2 * len(officers) > PAGE_H - 14:
                pdf.add_page()
                y = title()
            y = pdf.section(y + 1, "民警", "Officers (incidents they accepted)")
            columns = metric_columns(Column("民警", "Officer", 30, "L", name_lines))
            columns[1:1] = [
                Column("派警", "Offered", 14, value=lambda row: str(row.dispatches.offered)),
                Column("拒绝", "Declined", 14, value=lambda row: str(row.dispatches.declined)),
                Column("超时", "Timed out", 14, value=lambda row: str(row.dispatches.timed_out)),
            ]
            pdf.bilingual_table(y, columns, officers, title)

    def drills_and_availability(self) -> None:
        pdf, r = self.pdf, self.r
        pdf.add_page()

        def title() -> float:
            return pdf.banner(
                "一键报警演练与设备可用性", "Button drills and device availability (continued 续)", self.detail
            )

        y = pdf.banner("一键报警演练与设备可用性", "Button drills and device availability", self.detail)
        drills = r.drills
        y = pdf.section(y, "一键报警演练", "Button drills: a test press received = passed")
        s = drills.summary
        y = pdf.summary_line(
            y,
            f"单位 sites {s.sites} · 通过 passed {s.passed} · 部分 partial {s.partial} · 未测试 missing {s.missing}",
        )
        grid_names = {g.id: name_lines(g) for g in r.grids}
        order = {"missing": 0, "partial": 1, "passed": 2}
        rows = [
            Row(site, status=site.status, status_column="结果")
            for site in sorted(drills.sites, key=lambda x: (order[x.status], x.grid_id, x.site_id))
        ]
        columns = [
            Column("单位", "Site", 80, "L", name_lines),
            Column("网格", "Grid", 40, "L", lambda row: str(grid_names.get(row.grid_id, row.grid_id))),
            Column("结果", "Result", 32, "L", lambda row: " ".join(DRILL_STATUS[row.status])),
            Column("按钮 通过/总数", "Buttons passed", 32, value=lambda row: f"{row.buttons_passed}/{row.buttons}"),
            Column("最近测试", "Last test", 45, "L", lambda row: local_minute(row.last_test_at)),
        ]
        y = pdf.bilingual_table(y, columns, rows, title)
        availability = r.availability
        if y + 40 > PAGE_H - 14:
            pdf.add_page()
            y = title()
        y = pdf.section(y + 2, "设备可用性", "Device availability (from supervision offline/online)")
        summary = availability.summary
        kinds = "  ·  ".join(
            f"{DEVICE_KINDS.get(k, (k, k))[0]} {v.devices} 台, 在线率 {percent_text(v.uptime_share, 2)}"
            for k, v in summary.by_kind.items()
        )
        y = pdf.summary_line(
            y,
            f"设备 devices {summary.devices} · 有离线 with outages {summary.with_outages} · {kinds}",
        )
        devices = sorted(
            (d for d in availability.devices if d.outages),
            key=lambda d: (d.uptime_share if d.uptime_share is not None else 1, d.device_id),
        )
        site_names = {site.id: name_lines(site) for site in r.sites}
        columns = [
            Column("设备", "Device", 52, "L", device_label),
            Column("类型", "Kind", 24, "L", lambda row: DEVICE_KINDS.get(row.kind, (row.kind,))[0]),
            Column("单位", "Site", 62, "L", lambda row: str(site_names.get(row.site_id, row.site_id))),
            Column("在线率", "Uptime", 22, value=lambda row: percent_text(row.uptime_share, 2)),
            Column("离线次数", "Outages", 20, value=lambda row: str(row.outages)),
            Column("离线时长", "Downtime", 28, value=lambda row: seconds_text(row.downtime_s)),
            Column("最长离线", "Longest outage", 28, value=lambda row: seconds_text(row.longest_outage_s)),
            Column("期末状态", "At period end", 23, "C", lambda row: "离线" if row.offline_at_end else "在线"),
        ]
        if devices:
            pdf.bilingual_table(y, columns, devices, title)
        else:
            pdf.font(8.5)
            pdf.put(MARGIN, y, WIDTH, 5, "本时段无设备离线。 No device was offline in this period.")

    def patrol_coverage(self, coverage: PatrolCoverage) -> None:
        """Cameras checked per shift: the figures, then every shift of the period with who patrolled."""
        pdf = self.pdf
        pdf.add_page()

        def title() -> float:
            return pdf.banner("视频巡查覆盖率", "Patrol log coverage per shift (continued 续)", self.detail)

        y = pdf.banner("视频巡查覆盖率", "Patrol log coverage per shift", self.detail)
        summary = coverage.summary
        y = pdf.tiles(
            y,
            [
                ("有巡查的班次", "Shifts patrolled", f"{summary.shifts_patrolled}/{summary.shifts}"),
                ("全部查看的班次", "Shifts fully covered", f"{summary.shifts_fully_covered}/{summary.shifts}"),
                ("平均覆盖率", "Mean coverage", percent_text(summary.mean_coverage)),
                ("应巡查摄像机", "Cameras to patrol", str(summary.cameras_expected)),
                ("巡查记录", "Views logged", str(summary.views)),
                *((zh, en, str(summary.by_outcome[code])) for code, (zh, en) in OUTCOMES.items() if code != "checked"),
            ],
        )
        pdf.font(7.2, colour=DIM)
        zh, en = patrol_note(self.r)
        pdf.put(MARGIN, y - 3, WIDTH, 4, zh)
        pdf.put(MARGIN, y + 0.6, WIDTH, 4, en)
        y += 6
        names = {c.camera_id: device_label(c).replace("\n", " ") for c in coverage.cameras}
        rows = [Row(shift, status=coverage_status(shift), status_column="覆盖率") for shift in coverage.shifts]
        columns = [
            Column("班次", "Shift", 32, "L", lambda row: f"{row.day} {HALVES[row.half][0]}"),
            Column("时段", "Hours", 22, "L", lambda row: f"{row.from_[11:16]}–{row.to[11:16]}"),
            Column("已查看", "Cameras checked", 24, value=lambda row: f"{row.cameras_checked}/{row.cameras_expected}"),
            Column("覆盖率", "Coverage", 18, value=lambda row: percent_text(row.coverage)),
            Column("记录", "Views", 14, value=lambda row: str(row.views)),
            Column("轮次", "Rounds", 14, value=lambda row: str(row.runs)),
            *(Column(zh, en, 17, value=outcome_count(code)) for code, (zh, en) in OUTCOMES.items()),
            Column("未查看", "Not checked", 60, "L", lambda row: not_checked(row, names)),
            Column("巡查人员", "Patrolled by", 21, "L", lambda row: " ".join(a.split(":", 1)[-1] for a in row.staff)),
        ]
        if rows:
            pdf.bilingual_table(y, columns, rows, title)
        else:
            pdf.font(8.5)
            pdf.put(MARGIN, y, WIDTH, 5, "本时段尚无班次。 No shift has started in this period.")


def _grid_name(row: ReportStats) -> str:
    """A grid's name in the grids compared; the district's for the totals row."""
    if not isinstance(row, GridRow):
        return "全辖区 District"
    return name_lines(row) if row.name else "（配置外）"


def _step(row: ReportStats, step: str) -> ResponseStep:
    step_figures: ResponseStep = getattr(row, step)  # ack, accept or arrive (STEPS)
    return step_figures


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes. Raises FontMissing without a CJK font to embed."""
    return _Renderer(report).render()
