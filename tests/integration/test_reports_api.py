"""The reports over HTTP (the real app, accounts and report store on the private PostgreSQL) and on
the command line: who may read them, bad periods, and the JSON, CSV and PDF of one month."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.reports import PostgresReports
from hub.config.district import parse_district
from simulators.districts import synthetic_district, write_district
from simulators.history import generate, write
from tests.integration.conftest import REPO, bearer, create_api_token
from tests.integration.test_reports import END, NOW, START
from tests.integration.web_services import Client, web_client

DISTRICT = parse_district(synthetic_district(sites=6))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await write(conn, generate(DISTRICT, START - timedelta(days=3), END + timedelta(days=3), 150, seed=3))
    yield pool
    await pool.close()


@pytest.fixture
async def client(pool: asyncpg.Pool) -> AsyncIterator[Client]:
    async with web_client(pool, DISTRICT, clock=lambda: NOW, reports=PostgresReports(pool, DISTRICT)) as client:
        yield client


@pytest.fixture
async def supervisor(database_url: str) -> dict[str, str]:
    return bearer(await create_api_token(database_url, role="supervisor"))


REPORT_PATHS = ("/api/v1/reports", "/api/v1/reports.csv", "/api/v1/reports.pdf")


async def test_only_supervisors_and_administrators_may_read_reports(client: Client, database_url: str) -> None:
    query = "?period=month&month=2026-10"
    for path in REPORT_PATHS:
        response = await client.get(path + query)
        assert response.status == 401, path
        assert (await response.json())["error"]["code"] == "unauthenticated"
    for role, officer in (("duty", None), ("officer", "o1")):
        headers = bearer(await create_api_token(database_url, role=role, officer_id=officer))
        for path in REPORT_PATHS:
            response = await client.get(path + query, headers=headers)
            assert response.status == 403, (role, path)
            assert (await response.json())["error"]["code"] == "forbidden"
    for role in ("supervisor", "admin"):
        headers = bearer(await create_api_token(database_url, role=role))
        response = await client.get("/api/v1/reports" + query, headers=headers)
        assert response.status == 200, role
    page = await client.get("/reports", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"] == "/login?next=/reports"


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("period=year&month=2026-10", "period"),
        ("period=month&month=2026-13", "month"),
        ("period=month&month=October", "month"),
        ("period=month", "month"),
        ("period=day&date=2026-02-30", "date"),
        ("period=week&week=2026-W54", "week"),
        ("period=week&week=2026-41", "week"),
        ("period=custom&from=2026-10-10", "to"),
        ("period=custom&from=2026-10-10&to=2026-10-01", "to"),
        ("period=custom&from=2025-01-01&to=2026-10-01", "366"),
        ("period=month&month=2026-10&site=x", "unknown parameter"),
        ("period=month&month=2026-10&month=2026-11", "more than once"),
    ],
)
async def test_bad_periods_are_refused_with_400_naming_the_parameter(
    client: Client, supervisor: dict[str, str], query: str, mentions: str
) -> None:
    for path in REPORT_PATHS:
        response = await client.get(f"{path}?{query}", headers=supervisor)
        assert response.status == 400, (path, query)
        error = (await response.json())["error"]
        assert error["code"] in ("invalid_period", "invalid_parameter")
        assert mentions in error["message"], error


async def test_json_csv_and_pdf_of_one_month_say_the_same(client: Client, supervisor: dict[str, str]) -> None:
    query = "?period=month&month=2026-10"
    response = await client.get("/api/v1/reports" + query, headers=supervisor)
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-store"
    report = await response.json()
    assert report["period"]["label"] == "2026-10" and report["totals"]["incidents"] > 50
    assert [g["id"] for g in report["grids"]] == ["g0", "g1"]

    response = await client.get("/api/v1/reports.csv" + query, headers=supervisor)
    assert response.status == 200 and response.content_type == "text/csv"
    assert "sentinel-report-test-district-2026-10.csv" in response.headers["Content-Disposition"]
    body = await response.read()
    assert body.startswith("\ufeff".encode())
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
        if row and row[0].startswith("## "):
            current = sections.setdefault(row[0][3:], [])
        elif row:
            current.append(row)
    assert list(sections) == [
        "报表 Report",
        "响应目标 Response targets",
        "网格 Grids",
        "民警 Officers",
        "单位 Sites",
        "一键报警演练 Button drills",
        "设备可用性 Device availability",
        "视频巡查覆盖率 Patrol log coverage",
        "巡查摄像机 Patrol cameras",
        "按压视频核验 Press to video verification",
        "处置步骤执行率 Response step compliance",
        "喊话劝离率 Deterrence rate",
    ]
    assert len(sections["视频巡查覆盖率 Patrol log coverage"]) == 1 + len(report["patrol_coverage"]["shifts"]) == 63
    header, *grids = sections["网格 Grids"]
    column = {name.split(" ")[-1]: n for n, name in enumerate(header)}
    by_grid = {row[0]: row for row in grids}
    for grid in report["grids"]:
        row = by_grid[grid["id"]]
        assert int(row[column["incidents"]]) == grid["incidents"]
        assert float(row[column["ack_median_s"]]) == pytest.approx(grid["ack"]["median_s"], abs=0.05)
        assert int(row[column["warnings"]]) == grid["warnings"]
    assert int(by_grid[""][column["incidents"]]) == report["totals"]["incidents"]
    assert len(sections["单位 Sites"]) == 1 + len(report["sites"])
    assert len(sections["设备可用性 Device availability"]) == 1 + len(DISTRICT.devices)

    response = await client.get("/api/v1/reports.pdf" + query, headers=supervisor)
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = await response.read()
    assert pdf.startswith(b"%PDF-") and b"/FontFile3" in pdf  # the CJK font is embedded (CFF)
    assert b"NotoSansCJKSC" in pdf
    pages = re.search(rb"/Count (\d+)", pdf)
    assert pages and int(pages[1]) >= 1 + len(report["grids"]) + 1  # summary, one per grid, drills/availability


async def test_the_report_page_is_served_to_supervisors(client: Client, database_url: str) -> None:
    headers = bearer(await create_api_token(database_url, role="supervisor"))
    response = await client.get("/reports", headers=headers)
    assert response.status == 200
    html = await response.text()
    assert 'src="/static/reports.js"' in html and "Content-Security-Policy" in response.headers
    duty = bearer(await create_api_token(database_url, role="duty"))
    assert (await client.get("/reports", headers=duty)).status == 403


async def test_openapi_documents_the_report_endpoints(client: Client) -> None:
    paths = (await (await client.get("/api/v1/openapi.json")).json())["paths"]
    for path in (*REPORT_PATHS, "/reports"):
        assert path in paths
    assert paths["/api/v1/reports"]["get"]["x-sentinel-roles"] == ["supervisor", "admin"]


def test_the_command_line_writes_the_csv_and_the_pdf(database_url: str, tmp_path: Path) -> None:
    from tests.conftest import run_async

    async def fill() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await write(conn, generate(DISTRICT, START, END, 60, seed=5))
        finally:
            await conn.close()

    run_async(fill())
    district_file = write_district(tmp_path / "district.yaml", sites=6)
    env = {**os.environ, "SENTINEL_DATABASE_URL": database_url, "SENTINEL_CONFIG": str(district_file)}
    out = tmp_path / "out"

    def report(month: str, timeout: float) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", "report", "--month", month, "--out", str(out)]
        return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)

    done = report("2026-10", timeout=120)
    assert done.returncode == 0, done.stderr
    csv_file = out / "sentinel-report-test-district-2026-10.csv"
    pdf_file = out / "sentinel-report-test-district-2026-10.pdf"
    assert done.stdout.split() == [str(csv_file), str(pdf_file)]
    assert csv_file.read_bytes().startswith("\ufeff## 报表 Report".encode())
    assert pdf_file.read_bytes().startswith(b"%PDF-")
    refused = report("2026-13", timeout=60)
    assert refused.returncode == 2 and "month" in refused.stderr
