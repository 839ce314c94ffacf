"""Supervisors' reports over HTTP: the page, and the report of a period as JSON, CSV and PDF.

GET /api/v1/reports?period=month&month=2026-10          (also .csv and .pdf)
    period=day&date=YYYY-MM-DD | period=week&week=YYYY-Www | period=custom&from=YYYY-MM-DD&to=YYYY-MM-DD
Days are whole days in the district's time zone; `to` is inclusive. An unknown or repeated
parameter is refused (a typo must not quietly change the period).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from hub.adapters.reports_csv import render_csv
from hub.adapters.web import pages
from hub.adapters.web.console import SECURITY_HEADERS
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, json_ok
from hub.adapters.web.models.base import read_query
from hub.adapters.web.models.reports import ReportQuery
from hub.adapters.web.operations import HTML_PAGE, Answer, Response, documented
from hub.domain.reports import Period, PeriodError, parse_period
from hub.services.views.reports import Report

# Reports are private: never kept by a shared cache.
_PRIVATE = {"Cache-Control": "private, no-store"}


def period_of(request: web.Request) -> Period:
    given = read_query(request.query, ReportQuery).given()
    try:
        return parse_period(given, request.app[SERVICES].district.timezone)
    except PeriodError as exc:
        raise BadRequest("invalid_period", str(exc)) from None


def _answers(content: Answer) -> dict[int, Response]:
    return {
        200: content,
        400: "A bad, unknown or repeated parameter (`invalid_parameter`, `invalid_period`).",
        503: "No report store, (PDF) no CJK font to embed, or the database is away.",
    }


_DESCRIPTION = (
    "Whole days in the district's time zone. Test incidents are counted apart and excluded from every other figure."
)


async def _report(request: web.Request) -> Report:
    services = request.app[SERVICES]
    period = period_of(request)
    if services.reports is None:
        raise ApiError(503, "reports_unavailable", "this server has no report store")
    return await services.reports.build(period, services.clock())


def _filename(report: Report, suffix: str) -> str:
    label = report.period.label.replace("..", "_")
    return f"sentinel-report-{report.district.id}-{label}.{suffix}"


@documented(
    "getReport",
    "Supervisors' report of a period: response times per grid, officer and site, drills, availability",
    _answers(Answer("The report.", Report)),
    description=_DESCRIPTION,
    query=ReportQuery,
)
async def report_json(request: web.Request) -> web.Response:
    response = json_ok((await _report(request)).dump())
    response.headers.update(_PRIVATE)
    return response


@documented(
    "getReportCsv",
    "The report as one CSV file with sections (UTF-8 with BOM, for spreadsheets)",
    _answers(Answer("The report.", media={"text/csv": {"schema": {"type": "string"}}})),
    description=_DESCRIPTION,
    query=ReportQuery,
)
async def report_csv(request: web.Request) -> web.Response:
    report = await _report(request)
    return web.Response(
        body=render_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={**_PRIVATE, "Content-Disposition": f'attachment; filename="{_filename(report, "csv")}"'},
    )


@documented(
    "getReportPdf",
    "The report as a printable PDF: the district, one page per grid, drills and availability",
    _answers(Answer("The report.", media={"application/pdf": {"schema": {"type": "string", "format": "binary"}}})),
    description=_DESCRIPTION,
    query=ReportQuery,
)
async def report_pdf(request: web.Request) -> web.Response:
    # Imported on first use: fpdf and its font tools take about a second to import, which every hub
    # start (and so the drain after an outage) would otherwise pay.
    from hub.adapters.reports_pdf import FontMissing, render_pdf

    report = await _report(request)
    try:
        body = await asyncio.to_thread(render_pdf, report)  # a second of CPU: off the event loop
    except FontMissing as exc:
        raise ApiError(503, "pdf_unavailable", str(exc)) from None
    return web.Response(  # inline: the browser's viewer opens it, ready to print
        body=body,
        content_type="application/pdf",
        headers={**_PRIVATE, "Content-Disposition": f'inline; filename="{_filename(report, "pdf")}"'},
    )


@documented("reportsPage", "The supervisors' reports page (HTML; its assets are under /static/)", {200: HTML_PAGE})
async def page(request: web.Request) -> web.Response:
    return pages.respond(request, pages.REPORTS, SECURITY_HEADERS)
