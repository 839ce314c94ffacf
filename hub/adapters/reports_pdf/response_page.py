"""The report's page on the response figures of issue 19: press to video verification per site, response step
compliance per desk seat, and the deterrence rate per site and month (their definitions are on page 2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.adapters.reports_pdf.cells import Column, Row, clock_text, name_lines
from hub.adapters.reports_pdf.document import MARGIN, PAGE_H, WIDTH, Document
from hub.adapters.reports_text import percent_text, seconds_text
from hub.services.views.report_sections import SeatCompliance, SiteMonthDeterrence, SiteNames, VerificationSite
from hub.services.views.reports import Report

DISTRICT = "全辖区 District"
_DISTRICT_SITE = SiteNames(site_id="", site_name=DISTRICT, site_name_en="")  # a total row's name

HEADING = ("视频核实、处置步骤与喊话劝离", "Video verification, response steps and talk-down")


def has_response_figures(report: Report) -> bool:
    return any(
        figures is not None for figures in (report.video_verification, report.step_compliance, report.deterrence)
    )


def response_page(pdf: Document, report: Report, detail: str) -> None:
    pdf.add_page()

    def title() -> float:
        return pdf.banner(HEADING[0], f"{HEADING[1]} (continued 续)", detail)

    def room(y: float, needed: float) -> float:
        if y + needed <= PAGE_H - 14:
            return y
        pdf.add_page()
        return title()

    def table(y: float, columns: list[Column], rows: Sequence[Any], total: Any, none: str) -> float:
        """The rows and their total in bold (named as the district), or the line that says there are none."""
        if rows:
            return pdf.bilingual_table(y, columns, [*rows, Row(total, bold=True)], title)
        pdf.font(8.5)
        pdf.put(MARGIN, y, WIDTH, 5, none)
        return y + 8

    y = pdf.banner(*HEADING, detail)
    verification, steps, deterrence = report.video_verification, report.step_compliance, report.deterrence
    v = verification.totals if verification else None
    c = steps.totals if steps else None
    d = deterrence.totals if deterrence else None
    target = f"{verification.target_s if verification else 10:g} s"
    y = pdf.tiles(
        y,
        [
            ("核实用时中位数", "Median time to video", seconds_text(v.median_s) if v else "–"),
            (f"{target}内核实", f"Verified within {target}", percent_text(v.within_target_share) if v else "–"),
            ("必做步骤执行率", "Required steps done", percent_text(c.compliance) if c else "–"),
            ("喊话劝离率", "Deterred by warning", percent_text(d.deterred_share) if d else "–"),
            ("喊话后判定", "Talk-down verdicts", str(d.warned) if d else "–"),
        ],
    )

    y = pdf.section(y, "按压视频核实", f"Press to video verification per site (target {target})")
    columns = [
        Column("单位", "Site", 95, "L", lambda row: name_lines(row, "site_name")),
        Column("调取录像", "Video asked", 24, value=lambda row: str(row.requested)),
        Column("已核实", "Verified", 24, value=lambda row: str(row.verified)),
        Column("核实率", "Verified share", 24, value=lambda row: percent_text(row.verified_share)),
        Column("中位/90%", "p50 / p90", 36, value=lambda row: _pair_of(row.median_s, row.p90_s)),
        Column(f"{target}内", f"Within {target}", 30, value=lambda row: _share_of(row, "within_target")),
    ]
    none = "本时段无调取录像的报警。 No press asked for video in this period."
    total = VerificationSite(**dict(_DISTRICT_SITE), **dict(v)) if v else None
    y = table(y, columns, verification.sites if verification else [], total, none)

    y = pdf.section(room(y, 30), "处置步骤执行率", "Response step compliance per desk seat")
    columns = [
        Column("值班席位", "Desk seat", 95, "L", lambda row: _seat(row.seat)),
        Column("办结事件", "Incidents", 24, value=lambda row: str(row.incidents)),
        Column("应做必做步骤", "Required due", 30, value=lambda row: str(row.required_due)),
        Column("已完成", "Done", 24, value=lambda row: str(row.required_done)),
        Column("执行率", "Compliance", 24, value=lambda row: percent_text(row.compliance)),
        Column("带未完成步骤办结", "Resolved with steps open", 40, value=lambda r: str(r.resolved_with_open_steps)),
    ]
    none = "本时段无带必做步骤的办结事件。 No resolved incident had required steps in this period."
    seats_total = SeatCompliance(seat=DISTRICT, **dict(c)) if c else None
    y = table(y, columns, steps.seats if steps else [], seats_total, none)

    y = pdf.section(room(y, 30), "喊话劝离率", "Deterrence per site and month (warnings that ended an intrusion)")
    columns = [
        Column("单位", "Site", 95, "L", lambda row: name_lines(row, "site_name")),
        Column("月份", "Month", 24, "C", lambda row: str(row.month)),
        Column("判定", "Verdicts", 24, value=lambda row: str(row.warned)),
        Column("劝离", "Deterred", 24, value=lambda row: str(row.deterred)),
        Column("未劝离", "Not deterred", 24, value=lambda row: str(row.not_deterred)),
        Column("劝离率", "Deterrence rate", 30, value=lambda row: percent_text(row.deterred_share)),
    ]
    none = "本时段无喊话后的判定。 No talk-down verdict in this period."
    months_total = SiteMonthDeterrence(**dict(_DISTRICT_SITE), month="", **dict(d)) if d else None
    table(y, columns, deterrence.sites if deterrence else [], months_total, none)


def _pair_of(median: float | None, p90: float | None) -> str:
    return "–" if median is None else f"{clock_text(median)} / {clock_text(p90)}"


def _share_of(row: Any, key: str) -> str:
    return f"{getattr(row, key)} ({percent_text(getattr(row, f'{key}_share'))})"


def _seat(actor: str) -> str:
    """A desk seat as the timeline names it (user:zhang) without its prefix; the hub itself as such."""
    return "系统 system" if actor == "system" else actor.split(":", 1)[-1]
