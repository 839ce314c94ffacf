"""Ingest benchmark, as ratios to the broker measured in the same run:

* drain: an N-press backlog queued at the broker while the hub was down, drained by the hub (its start
  included: from starting the process to the last press committed) against a bare paho subscriber
  draining its own copy of the same backlog from the same broker;
* latency: press → incident on the console WebSocket and press → the guard's `received`, p50 and p99,
  with heartbeats in the background (1,000/s, then 3,000/s for the alarm lane), next to the broker's own
  publish → subscribe latency at the same rate; for each sample a press that opens an incident at a site
  of its own (a real alarm), then one that joins it (the rows without "opening").

Each figure is the median over `--repeats` runs.

    python -m benchmarks.ingest [--presses 20000] [--repeats 3] [--samples 200] [--rates 1000,3000|none] [--no-drain]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.common import median, private_services, report
from benchmarks.ingest_drain import BUTTONS, SITES, drain_run
from benchmarks.ingest_latency import LATENCY_SITES, WAIT_S, latency_run
from simulators.districts import write_district


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--rates", default="1000,3000", help="heartbeats per second in the background ('none': drain only)"
    )
    parser.add_argument("--no-drain", action="store_true", help="measure the latencies only")
    args = parser.parse_args()
    rates = [] if args.rates == "none" else [float(r) for r in args.rates.split(",")]
    folder = Path(tempfile.mkdtemp())
    district = write_district(folder / "drain.yaml", sites=SITES, buttons_per_site=BUTTONS)
    latency_district = write_district(
        folder / "latency.yaml", sites=max(args.samples, LATENCY_SITES), buttons_per_site=1
    )
    drains: list[tuple[float, float, float, float]] = []
    latencies: dict[float, list[dict[str, float]]] = {rate: [] for rate in rates}
    with private_services() as services:
        for repeat in range(args.repeats):
            if not args.no_drain:
                drains.append(drain_run(services, district, args.presses))
                rate, bare, first, after = drains[-1]
                print(
                    f"drain run {repeat + 1}: hub {rate:.0f}/s, bare paho {bare:.0f}/s;"
                    f" hub start to first commit {first:.2f} s, then {after:.0f}/s",
                    flush=True,
                )
            for rate in rates:
                latencies[rate].append(latency_run(services, latency_district, rate, args.samples))
                print(f"latency run {repeat + 1} at {rate:.0f} hb/s: {latencies[rate][-1]}", flush=True)
    rows: list[list[object]] = []
    if drains:
        hub_rate, bare_rate = median([d[0] for d in drains]), median([d[1] for d in drains])
        rows.append(["drain, hub start included", "msg/s", hub_rate, "bare paho subscriber", bare_rate])
        rows.append(["drain: hub start to first commit", "s", median([d[2] for d in drains]), "-", None])
        rows.append(
            ["drain: first to last commit", "msg/s", median([d[3] for d in drains]), "bare paho subscriber", bare_rate]
        )
    for rate in rates:
        runs = latencies[rate]

        def m(key: str, runs: list[dict[str, float]] = runs) -> float:
            return median([r[key] for r in runs])

        for press, prefix in (("press opening an incident", "opening_"), ("press", "")):
            for what, key in ((f"{press} → WebSocket", "ws"), (f"{press} → received", "received")):
                for q in ("p50", "p99"):
                    broker = f"broker publish → subscribe {q}"
                    row = [f"{what} {q} at {rate:.0f} hb/s", "ms", m(f"{prefix}{key}_{q}"), broker, m(f"broker_{q}")]
                    rows.append(row)
        rows.append([f"hub main process CPU at {rate:.0f} hb/s", "cores", m("hub_cpu"), "-", None])
    for row in rows:
        value, baseline = row[2], row[4]
        row.append(value / baseline if isinstance(value, float) and isinstance(baseline, float) and baseline else None)
    report(
        "ingest",
        ["measure", "unit", "hub (median)", "baseline", "baseline (median)", "ratio"],
        rows,
        {
            "presses": args.presses,
            "repeats": args.repeats,
            "samples": args.samples,
            "rates": rates,
            # Presses not seen within WAIT_S (counted in the figures as WAIT_S), per run: WebSocket, received.
            "missed": {
                rate: [
                    {kind: (r[f"{kind}ws_missed"], r[f"{kind}received_missed"]) for kind in ("opening_", "")}
                    for r in latencies[rate]
                ]
                for rate in rates
            },
        },
    )
    missed = sum(v for runs in latencies.values() for r in runs for k, v in r.items() if k.endswith("_missed"))
    if missed:
        print(
            f"{missed:.0f} presses not seen within {WAIT_S:.0f} s (counted as {WAIT_S:.0f} s): see 'missed' in the JSON"
        )


if __name__ == "__main__":
    main()
