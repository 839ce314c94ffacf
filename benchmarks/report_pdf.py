"""The month's PDF as a supervisor asks for it (GET /api/v1/reports.pdf): the report of October built from a
generated year of a 50-site district (incidents, dispatches, warnings, drills, outages, patrol rounds) and
rendered to PDF, timed together, median of the runs. Target: under 2 s.

    python -m benchmarks.report_pdf [--incidents 20000] [--filler-events 100000] [--repeats 7]

Exits with 1 when the median misses the target.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg

from benchmarks.common import median, report
from benchmarks.reports import migrated_database, year_setup
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.reports import PostgresReports
from hub.adapters.reports_pdf import render_pdf
from hub.domain.district import District
from hub.domain.reports import Period
from simulators.history import generate, patrol_rounds, write

TARGET_S = 2.0


async def _fill(url: str, district: District, incidents: int, filler: int) -> int:
    zone = ZoneInfo(district.timezone)
    start, end = datetime(2025, 11, 1, tzinfo=zone), datetime(2026, 11, 1, tzinfo=zone)
    history = generate(
        district, start, end, incidents=incidents, seed=2026, filler_events=filler, outages_per_device=12
    )
    history.patrol_runs = patrol_rounds(district, start, end)
    conn = await asyncpg.connect(url)
    try:
        await write(conn, history)
        await conn.execute("ANALYZE")
        return int(await conn.fetchval("SELECT count(*) FROM incidents"))
    finally:
        await conn.close()


async def _timed(url: str, district: District, period: Period, now: datetime, repeats: int) -> dict[str, list[float]]:
    pool = await create_pool(url, min_size=1, max_size=2)
    times: dict[str, list[float]] = {"build": [], "render": [], "total": [], "bytes": []}
    try:
        reports = PostgresReports(pool, district)
        render_pdf(await reports.build(period, now))  # warm: the connection, the font file in the page cache
        for _ in range(repeats):
            started = time.perf_counter()
            built = await reports.build(period, now)
            middle = time.perf_counter()
            body = await asyncio.to_thread(render_pdf, built)  # as the web handler does
            ended = time.perf_counter()
            times["build"].append(middle - started)
            times["render"].append(ended - middle)
            times["total"].append(ended - started)
            times["bytes"].append(float(len(body)))
    finally:
        await pool.close()
    return times


def main() -> None:
    setup = year_setup(__doc__, filler_events=100_000)
    args, district, now, month = setup.args, setup.district, setup.now, setup.month
    with migrated_database("sentinel-bench-pdf-", "year") as (_, url):
        incidents = asyncio.run(_fill(url, district, args.incidents, args.filler_events))
        print(f"history: {incidents} incidents in a year of {len(district.sites)} sites", flush=True)
        times = asyncio.run(_timed(url, district, month, now, args.repeats))
    total = median(times["total"])
    rows: list[list[object]] = [
        ["build the month's report (SQL)", median(times["build"]) * 1000],
        ["render the PDF", median(times["render"]) * 1000],
        ["both (what one request waits for)", total * 1000],
    ]
    report(
        "report_pdf",
        ["what", "ms (median)"],
        rows,
        {
            "repeats": args.repeats,
            "incidents": incidents,
            "sites": len(district.sites),
            "pdf_bytes": median(times["bytes"]),
            "target_s": TARGET_S,
            "met": total < TARGET_S,
            "raw_seconds": times,
        },
    )
    print(f"{'met' if total < TARGET_S else 'MISSED'}: median {total:.2f} s against {TARGET_S:.0f} s")
    sys.exit(0 if total < TARGET_S else 1)


if __name__ == "__main__":
    main()
