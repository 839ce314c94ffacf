"""`sentinel bench`: every benchmark at reduced sizes, one table against same-run baselines."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.cli.common import Commands


def register(commands: Commands) -> None:
    bench = commands.add_parser(
        "bench",
        help="run every benchmark (reduced sizes, ~10 min): one table of figures against same-run baselines, one JSON",
    )
    bench.add_argument(
        "--out", type=Path, help="the JSON file to write (default benchmarks/results/bench-YYYYMMDD-HHMMSS.json)"
    )
    bench.add_argument("--compare", type=Path, metavar="OLD.json", help="show the change of each figure against OLD")
    bench.add_argument(
        "--only", action="append", metavar="NAME", help="ingest, supervision, video, warnings, reports (repeatable)"
    )
    bench.add_argument("--markdown", action="store_true", help="also print the table as Markdown (for the README)")
    bench.add_argument(
        "--no-run", type=Path, metavar="NEW.json", help="with --compare: compare this file instead of running anew"
    )
    bench.set_defaults(handler=_bench)


def _bench(args: argparse.Namespace) -> int:
    from datetime import datetime

    from benchmarks import bench

    old = None
    try:
        if args.compare:
            old = bench.load_document(args.compare)
        if args.no_run:
            if old is None:
                print("--no-run compares two files: give --compare OLD.json too", file=sys.stderr)
                return 2
            new = bench.load_document(args.no_run)
            print(bench.compare_table(bench.compare(old, new)))
            return 0
    except bench.FormatError as exc:
        print(exc, file=sys.stderr)
        return 2
    unknown = sorted(set(args.only or ()) - set(bench.PLAN))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; there are {', '.join(bench.PLAN)}", file=sys.stderr)
        return 2
    out = args.out or bench.RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"

    def say(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    doc, figures = bench.run_bench(args.only, out, say)
    print(bench.table(figures))
    if args.markdown:
        print()
        print(bench.markdown(figures))
    failed = [b["benchmark"] for b in doc["benchmarks"] if not b["ok"]]
    print(
        f"\n{len(figures)} figures in {doc['seconds']:.0f} s; written {out}"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    if old is not None:
        print()
        print(bench.compare_table(bench.compare(old, doc)))
    return 1 if failed else 0
