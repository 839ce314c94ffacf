"""`sentinel report`: a supervisors' report (CSV, PDF, JSON) written to a folder."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from hub.cli.common import Commands, database_url, settings_of
from hub.config import load_district


def register(commands: Commands) -> None:
    report = commands.add_parser(
        "report", help="write a supervisors' report (CSV and PDF) of a month, week, day or range to a folder"
    )
    span = report.add_mutually_exclusive_group(required=True)
    span.add_argument("--month", metavar="YYYY-MM")
    span.add_argument("--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W41")
    span.add_argument("--day", metavar="YYYY-MM-DD")
    span.add_argument("--from", dest="from_day", metavar="YYYY-MM-DD", help="first day of a range (with --to)")
    report.add_argument("--to", dest="to_day", metavar="YYYY-MM-DD", help="last day of a range (inclusive)")
    report.add_argument("--out", type=Path, required=True, help="folder to write the files to (created if needed)")
    report.add_argument("--format", default="csv,pdf", help="comma-separated: csv, pdf, json (default csv,pdf)")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    """The same report as GET /api/v1/reports (.csv, .pdf), from SENTINEL_DATABASE_URL or the running demo's
    database."""
    from datetime import UTC, datetime

    from hub.adapters.postgres.pool import create_pool
    from hub.adapters.postgres.reports import PostgresReports
    from hub.adapters.reports_csv import render_csv
    from hub.adapters.reports_pdf import render_pdf
    from hub.domain.reports import PeriodError, parse_period
    from hub.services.views.reports import Report

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if not formats or set(formats) - {"csv", "pdf", "json"}:
        print("--format takes csv, pdf and/or json, comma-separated", file=sys.stderr)
        return 2
    if (args.from_day is None) != (args.to_day is None):
        print("give --from and --to together", file=sys.stderr)
        return 2
    if args.month:
        query = {"period": "month", "month": args.month}
    elif args.week:
        query = {"period": "week", "week": args.week}
    elif args.day:
        query = {"period": "day", "date": args.day}
    else:
        query = {"period": "custom", "from": args.from_day, "to": args.to_day}
    settings = settings_of(args)
    district = load_district(settings.district_file)
    try:
        period = parse_period(query, district.timezone)
    except PeriodError as exc:
        print(f"bad period: {exc}", file=sys.stderr)
        return 2
    dsn = database_url(settings)

    async def build() -> Report:
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            return await PostgresReports(pool, district).build(period, datetime.now(UTC))
        finally:
            await pool.close()

    report = asyncio.run(build())
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"sentinel-report-{district.id}-{period.label.replace('..', '_')}"
    renderers = {
        "csv": render_csv,
        "pdf": render_pdf,
        "json": lambda r: json.dumps(r.dump(), ensure_ascii=False, indent=1).encode(),
    }
    for fmt in formats:
        path = args.out / f"{stem}.{fmt}"
        path.write_bytes(renderers[fmt](report))
        print(path)
    return 0
