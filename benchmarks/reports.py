"""Reports benchmark: the monthly supervisors' report on a generated year of history for a 50-site
district (about 20,000 incidents, their dispatches and warnings, drills, device outages, and a few
hundred thousand other device events), built with migration 007's indexes against a baseline of the
same queries on the same data without them, measured in the same run; then the CSV and PDF renders.

    python -m benchmarks.reports [--incidents 20000] [--filler-events 400000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from benchmarks.common import median, report
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.reports import PostgresReports
from hub.adapters.postgres.schema import migrate
from hub.adapters.reports_csv import render_csv
from hub.adapters.reports_pdf import render_pdf
from hub.config.district import parse_district
from hub.domain.district import District
from hub.domain.reports import Period, parse_period
from hub.services.views.reports import Report
from sentinel_dev.services import PrivatePostgres
from simulators.districts import synthetic_district
from simulators.history import generate, write

REPORT_INDEXES = ("events_test_presses", "events_supervision", "events_supervision_at", "warnings_created")
TARGET_S = 2.0


async def _fill(url: str, district: District, incidents: int, filler: int) -> dict[str, float]:
    zone = ZoneInfo(district.timezone)
    started = time.perf_counter()
    history = generate(
        district,
        datetime(2025, 11, 1, tzinfo=zone),
        datetime(2026, 11, 1, tzinfo=zone),
        incidents=incidents,
        seed=2026,
        filler_events=filler,
        outages_per_device=12,
    )
    generated = time.perf_counter() - started
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await write(conn, history)
        await conn.execute("ANALYZE")
        written = time.perf_counter() - started
        counts = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("incidents", "dispatches", "events", "warnings")
        }
    finally:
        await conn.close()
    return {"generate_s": generated, "write_s": written, **counts}


async def _timed_builds(url: str, district: District, period: Period, now: datetime, repeats: int) -> list[float]:
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        reports = PostgresReports(pool, district)
        await reports.build(period, now)  # warm the cache and the connection
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            built = await reports.build(period, now)
            json.dumps(built.dump(), ensure_ascii=False)  # what the API answers
            times.append(time.perf_counter() - started)
        return times
    finally:
        await pool.close()


async def _build_once(url: str, district: District, period: Period, now: datetime) -> Report:
    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        return await PostgresReports(pool, district).build(period, now)
    finally:
        await pool.close()


def _timed(function, argument, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(argument)
        times.append(time.perf_counter() - started)
    return times


@dataclass(frozen=True)
class YearSetup:
    """What the report benchmarks share: their sizes, the 50-site district, the report's time and October."""

    args: argparse.Namespace
    district: District
    now: datetime
    month: Period


def year_setup(description: str | None, filler_events: int) -> YearSetup:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--filler-events", type=int, default=filler_events)
    parser.add_argument("--repeats", type=int, default=7)
    district = parse_district(synthetic_district(sites=50, buttons_per_site=2))
    month = parse_period({"period": "month", "month": "2026-10"}, district.timezone)
    return YearSetup(parser.parse_args(), district, datetime(2026, 11, 21, 9, 0, tzinfo=UTC), month)


@contextlib.contextmanager
def migrated_database(prefix: str, name: str) -> Iterator[tuple[PrivatePostgres, str]]:
    """A private PostgreSQL with one migrated database: (the server, the database's URL)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o755)  # user postgres works in it when we are root
    with PrivatePostgres(base / "pg") as pg:
        pg.create_database(name)
        url = pg.admin_url(name)
        asyncio.run(migrate(url))
        yield pg, url


def main() -> None:
    setup = year_setup(__doc__, filler_events=400_000)
    args, district, now, month = setup.args, setup.district, setup.now, setup.month
    year = parse_period({"period": "custom", "from": "2025-11-01", "to": "2026-10-31"}, district.timezone)
    with migrated_database("sentinel-bench-reports-", "indexed") as (pg, indexed):
        sizes = asyncio.run(_fill(indexed, district, args.incidents, args.filler_events))
        print(
            f"history: {sizes['incidents']} incidents, {sizes['dispatches']} dispatches, {sizes['events']} events, "
            f"{sizes['warnings']} warnings (generated in {sizes['generate_s']:.1f} s, written in "
            f"{sizes['write_s']:.1f} s)",
            flush=True,
        )
        # The baseline: a copy of the same data without migration 007's indexes.
        pg.psql('CREATE DATABASE "baseline" TEMPLATE "indexed"')
        pg.psql("; ".join(f"DROP INDEX {name}" for name in REPORT_INDEXES) + "; ANALYZE", db="baseline")
        baseline = pg.admin_url("baseline")
        results: dict[str, dict[str, list[float]]] = {}
        for label, period in (("month 2026-10", month), ("year (366 days)", year)):
            results[label] = {}
            # Interleaved, so both schemas see the same machine load.
            for _ in range(2):
                for schema, url in (("without 007 (baseline)", baseline), ("with 007 indexes", indexed)):
                    times = asyncio.run(_timed_builds(url, district, period, now, max(1, args.repeats // 2 + 1)))
                    results[label].setdefault(schema, []).extend(times)
            for schema, times in results[label].items():
                print(f"{label}, {schema}: median {median(times) * 1000:.0f} ms over {len(times)}", flush=True)
        monthly = asyncio.run(_build_once(indexed, district, month, now))
        render_pdf(monthly)  # font loading, first time
        csv_times = _timed(render_csv, monthly, args.repeats)
        pdf_times = _timed(render_pdf, monthly, args.repeats)
        pdf_pages = render_pdf(monthly).count(b"/Type /Page\n") or None
    rows: list[list[object]] = []
    for label, by_schema in results.items():
        baseline_ms = median(by_schema["without 007 (baseline)"]) * 1000
        for schema, times in by_schema.items():
            ms = median(times) * 1000
            rows.append([f"build {label}", schema, ms, baseline_ms / ms, "yes" if ms / 1000 < TARGET_S else "no"])
    month_ms = median(results["month 2026-10"]["with 007 indexes"]) * 1000
    csv_ms = median(csv_times) * 1000
    pdf_ms = median(pdf_times) * 1000
    rows.append(["render CSV (month)", "-", csv_ms, "-", "-"])
    rows.append(["render PDF (month)", "-", pdf_ms, "-", "-"])
    rows.append(
        ["JSON + PDF (month)", "with 007 indexes", month_ms + pdf_ms, "-", "yes" if month_ms + pdf_ms < 2000 else "no"]
    )
    report(
        "reports",
        ["what", "schema", "ms (median)", "× faster than baseline", f"under {TARGET_S:.0f} s"],
        rows,
        {
            "repeats": args.repeats,
            "district": {"sites": len(district.sites), "devices": len(district.devices), "grids": len(district.grids)},
            "history": sizes,
            "pdf_pages": pdf_pages,
            "raw_seconds": {label: by for label, by in results.items()},
            "csv_seconds": csv_times,
            "pdf_seconds": pdf_times,
        },
    )


if __name__ == "__main__":
    main()
