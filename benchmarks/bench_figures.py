"""The figures of `sentinel bench`: what each benchmark's results file says, as figures with the baseline
measured in the same run. Pure functions (tested in tests/unit/test_bench.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    id: str  # stable: "benchmark.what" — what --compare matches on
    benchmark: str
    name: str
    unit: str
    better: str  # "higher" or "lower"
    value: float
    baseline: float | None = None  # the same quantity measured in the same run without the thing measured
    baseline_name: str | None = None

    @property
    def ratio(self) -> float | None:
        """value / baseline (e.g. 12 = twelve times the baseline's presses/s)."""
        if self.baseline is None or not self.baseline or is_nan(self.value) or is_nan(self.baseline):
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def is_nan(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _rows(data: dict[str, Any]) -> dict[str, list[Any]]:
    """A `benchmarks.common.report` file's rows by their first column."""
    return {str(r[0]): r for r in data["rows"]}


def ingest_figures(data: dict[str, Any]) -> list[Figure]:
    """benchmarks.ingest rows: [measure, unit, hub, baseline name, baseline, ratio]. The drain row is
    `ingest.presses_per_s`; each latency row `latency.{websocket|feedback}[_opening]_{median|p99}_ms`
    (`_opening`: a press that opens an incident; without: one that joins it), suffixed with `_at_{rate}hb`
    for background rates other than 1,000 heartbeats/s. The drain's split and the CPU rows are left out."""
    rows = data["rows"]
    drain = rows[0]
    figures = [Figure("ingest.presses_per_s", "ingest", drain[0], "presses/s", "higher", drain[2], drain[4], drain[3])]
    for measure, unit, value, baseline_name, baseline, _ratio in rows[1:]:
        if unit != "ms":
            continue
        what, quantile, _at, rate, _hb = measure.rsplit(" ", 4)
        kind = ("websocket" if "WebSocket" in what else "feedback") + ("_opening" if "opening" in what else "")
        q = "median" if quantile == "p50" else quantile
        suffix = "" if rate == "1000" else f"_at_{rate}hb"
        figures.append(
            Figure(f"latency.{kind}_{q}_ms{suffix}", "latency", measure, "ms", "lower", value, baseline, baseline_name)
        )
    return figures


def supervision_figures(data: dict[str, Any]) -> list[Figure]:
    idle, busy = data["rows"][0], data["rows"][1]
    devices = int(data.get("devices", 0))
    base = "idle hub, same district"
    return [
        Figure(
            "supervision.cpu_percent",
            "supervision",
            f"hub CPU, {devices} devices heartbeating",
            "% of a core",
            "lower",
            busy[1],
            idle[1],
            base,
        ),
        Figure(
            "supervision.rss_mib",
            "supervision",
            f"hub RSS, {devices} devices heartbeating",
            "MiB",
            "lower",
            busy[3],
            idle[3],
            base,
        ),
        Figure(
            "supervision.false_offline", "supervision", "devices wrongly reported offline", "devices", "lower", busy[6]
        ),
        Figure(
            "supervision.found_after_deadline_s",
            "supervision",
            "silent device found after its deadline (median)",
            "s",
            "lower",
            busy[7],
        ),
    ]


def video_figures(data: dict[str, Any]) -> list[Figure]:
    out = []
    for r in data["results"]:
        key = f"{r['source']} {r['resolution']} {r['codec']}".replace(" ", "_").lower()
        out.append(
            Figure(
                f"video.analysis_ms.{key}",
                "video",
                f"analysis per frame, {r['source']} {r['resolution']} {r['codec']}",
                "ms/frame",
                "lower",
                r["analysis_ms"],
                r["decode_ms"],
                "decoding the same frame",
            )
        )
    return out


def warnings_figures(data: dict[str, Any]) -> list[Figure]:
    rows = _rows(data)
    base = rows["broker round trip (baseline)"]
    name = "broker round trip"
    command = rows["intrusion frame → speaker command sent"]
    playing = rows["intrusion frame → speaker `playing` ack"]
    return [
        Figure(
            "warnings.command_median_ms",
            "warnings",
            "intrusion frame → speaker command (median)",
            "ms",
            "lower",
            command[2],
            base[2],
            name,
        ),
        Figure(
            "warnings.playing_median_ms",
            "warnings",
            "intrusion frame → speaker `playing` (median)",
            "ms",
            "lower",
            playing[2],
            base[2],
            name,
        ),
    ]


def reports_figures(data: dict[str, Any]) -> list[Figure]:
    by: dict[tuple[str, str], list[Any]] = {(str(r[0]), str(r[1])): r for r in data["rows"]}
    base, indexed = "without 007 (baseline)", "with 007 indexes"
    name = "same queries without migration 007's indexes"
    out = []
    for label, key in (("build month 2026-10", "month"), ("build year (366 days)", "year")):
        if (label, indexed) in by:
            out.append(
                Figure(
                    f"reports.build_{key}_ms",
                    "reports",
                    f"report {label.removeprefix('build ')}",
                    "ms",
                    "lower",
                    by[(label, indexed)][2],
                    by[(label, base)][2],
                    name,
                )
            )
    if ("render PDF (month)", "-") in by:
        out.append(
            Figure(
                "reports.pdf_month_ms",
                "reports",
                "render the month's PDF",
                "ms",
                "lower",
                by[("render PDF (month)", "-")][2],
            )
        )
    return out


EXTRACT: dict[str, Callable[[dict[str, Any]], list[Figure]]] = {
    "ingest": ingest_figures,
    "supervision": supervision_figures,
    "video": video_figures,
    "warnings": warnings_figures,
    "reports": reports_figures,
}
