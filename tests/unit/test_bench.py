"""`sentinel bench`: figures extracted from each benchmark's results file, the JSON document's stable
format, and the comparison of two runs. No benchmark is run here."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import bench, bench_figures

INGEST = {
    "benchmark": "ingest",
    "columns": ["measure", "unit", "hub (median)", "baseline", "baseline (median)", "ratio"],
    "rows": [
        ["drain, hub start included", "msg/s", 1500.0, "bare paho subscriber", 150.0, 10.0],
        ["drain: hub start to first commit", "s", 0.7, "-", None, None],
        ["drain: first to last commit", "msg/s", 2000.0, "bare paho subscriber", 150.0, 13.3],
        [
            "press opening an incident → WebSocket p99 at 1000 hb/s",
            "ms",
            11.0,
            "broker publish → subscribe p99",
            1.0,
            11.0,
        ],
        ["press → WebSocket p50 at 1000 hb/s", "ms", 3.0, "broker publish → subscribe p50", 0.5, 6.0],
        ["press → WebSocket p99 at 1000 hb/s", "ms", 9.0, "broker publish → subscribe p99", 1.0, 9.0],
        ["press → received p50 at 1000 hb/s", "ms", 12.0, "broker publish → subscribe p50", 30.0, 0.4],
        ["press → received p99 at 1000 hb/s", "ms", 40.0, "broker publish → subscribe p99", 90.0, 0.44],
        ["press → received p99 at 3000 hb/s", "ms", 8.0, "broker publish → subscribe p99", 2.0, 4.0],
        ["hub main process CPU at 1000 hb/s", "cores", 0.12, "-", None, None],
    ],
}
SUPERVISION = {
    "rows": [
        ["idle (baseline)", 2.0, 1.0, 150.0, 0.0, 0.0, 0.0, float("nan")],
        ["10000 devices reporting", 50.0, 25.0, 190.0, 660.0, 100.0, 0.0, 3.5],
    ],
    "devices": 10000,
}
VIDEO = {
    "results": [
        {"source": "plaza", "resolution": "1280x720", "codec": "MJPEG", "decode_ms": 2.0, "analysis_ms": 0.5},
    ]
}
WARNINGS = {
    "rows": [
        ["broker round trip (baseline)", 100, 1.5, 3.0, 1.0],
        ["intrusion frame → speaker command sent", 12, 300.0, 500.0, 200.0],
        ["intrusion frame → speaker `playing` ack", 12, 400.0, 600.0, 266.0],
    ]
}
REPORTS = {
    "rows": [
        ["build month 2026-10", "without 007 (baseline)", 1400.0, 1.0, "yes"],
        ["build month 2026-10", "with 007 indexes", 50.0, 28.0, "yes"],
        ["build year (366 days)", "without 007 (baseline)", 1400.0, 1.0, "yes"],
        ["build year (366 days)", "with 007 indexes", 500.0, 2.8, "yes"],
        ["render CSV (month)", "-", 2.5, "-", "-"],
        ["render PDF (month)", "-", 1300.0, "-", "-"],
    ]
}


def all_figures() -> list[bench_figures.Figure]:
    return [
        *bench_figures.ingest_figures(INGEST),
        *bench_figures.supervision_figures(SUPERVISION),
        *bench_figures.video_figures(VIDEO),
        *bench_figures.warnings_figures(WARNINGS),
        *bench_figures.reports_figures(REPORTS),
    ]


def test_every_benchmark_of_the_plan_has_an_extractor_and_latency_comes_from_ingest() -> None:
    assert set(bench.PLAN) == set(bench_figures.EXTRACT) == {"ingest", "supervision", "video", "warnings", "reports"}
    benchmarks = {f.benchmark for f in all_figures()}
    assert benchmarks == {"ingest", "latency", "supervision", "video", "warnings", "reports"}


def test_each_figure_stands_next_to_its_same_run_baseline_with_the_ratio() -> None:
    figures = {f.id: f for f in all_figures()}
    ingest = figures["ingest.presses_per_s"]
    assert (ingest.value, ingest.baseline, ingest.ratio) == (1500.0, 150.0, 10.0)
    assert figures["latency.feedback_median_ms"].ratio == pytest.approx(0.4)
    assert figures["latency.websocket_p99_ms"].baseline == 1.0
    assert figures["latency.feedback_p99_ms_at_3000hb"].ratio == pytest.approx(4.0)
    assert figures["latency.websocket_opening_p99_ms"].value == 11.0  # a press opening an incident
    assert len([f for f in figures.values() if f.benchmark == "latency"]) == 6  # the drain's split, CPU: not latency
    assert figures["supervision.cpu_percent"].ratio == pytest.approx(25.0)
    assert figures["video.analysis_ms.plaza_1280x720_mjpeg"].ratio == pytest.approx(0.25)
    assert figures["warnings.playing_median_ms"].baseline == 1.5
    assert figures["reports.build_month_ms"].ratio == pytest.approx(50 / 1400)
    assert figures["reports.pdf_month_ms"].ratio is None  # no baseline: none is made up
    assert figures["supervision.found_after_deadline_s"].baseline is None


def test_the_document_names_its_format_and_version_and_survives_json(tmp_path: Path) -> None:
    outcomes = [bench.Outcome("ingest", ["--presses", "5000"], 61.0, True)]
    doc = bench.document(outcomes, all_figures(), datetime(2026, 12, 3, tzinfo=UTC), 540.0)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(doc))
    loaded = bench.load_document(path)
    assert loaded["format"] == "sentinel-bench" and loaded["version"] == bench.VERSION == 1
    assert {"started_at", "seconds", "machine", "commit", "benchmarks", "figures"} <= set(loaded)
    first = loaded["figures"][0]
    assert set(first) == {"id", "benchmark", "name", "unit", "better", "value", "baseline", "baseline_name", "ratio"}
    assert loaded["benchmarks"][0] == {
        "benchmark": "ingest",
        "args": ["--presses", "5000"],
        "seconds": 61.0,
        "ok": True,
        "error": None,
    }


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ({"format": "sentinel-bench", "version": 2, "figures": []}, "version 2"),
        ({"benchmark": "ingest", "rows": []}, "not a `sentinel bench` file"),
    ],
)
def test_a_file_of_another_format_or_version_is_refused_by_name(
    tmp_path: Path, content: object, complaint: str
) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps(content))
    with pytest.raises(bench.FormatError, match=complaint):
        bench.load_document(path)


def _doc(**values: float) -> dict[str, object]:
    figures = {f.id: f for f in all_figures()}
    return {
        "format": "sentinel-bench",
        "version": 1,
        "figures": [{**figures[fid].as_json(), "value": value} for fid, value in values.items()],
    }


def test_compare_says_better_or_worse_by_each_figures_direction_and_ignores_noise() -> None:
    old = _doc(**{"ingest.presses_per_s": 1000, "latency.feedback_median_ms": 10, "reports.pdf_month_ms": 1000})
    new = _doc(**{"ingest.presses_per_s": 1500, "latency.feedback_median_ms": 20, "reports.pdf_month_ms": 1030})
    changes = {c.id: c for c in bench.compare(old, new)}
    assert changes["ingest.presses_per_s"].verdict == "better"  # higher is better
    assert changes["ingest.presses_per_s"].change == pytest.approx(0.5)
    assert changes["latency.feedback_median_ms"].verdict == "worse"  # lower is better
    assert changes["reports.pdf_month_ms"].verdict == "same"  # +3 %: within the machine's noise
    table = bench.compare_table(list(changes.values()))
    assert "+50.0%" in table and "+100.0%" in table and "worse" in table


def test_compare_lists_figures_that_appeared_or_went_away_and_unmeasurable_ones() -> None:
    old = _doc(**{"ingest.presses_per_s": 1000, "warnings.command_median_ms": 300})
    new = _doc(**{"ingest.presses_per_s": 1000, "supervision.found_after_deadline_s": math.nan})
    verdicts = {c.id: c.verdict for c in bench.compare(old, new)}
    assert verdicts == {
        "ingest.presses_per_s": "same",
        "supervision.found_after_deadline_s": "new",
        "warnings.command_median_ms": "gone",
    }


def test_the_table_prints_a_dash_where_there_is_no_baseline_and_markdown_has_one_row_per_figure() -> None:
    figures = all_figures()
    text = bench.table(figures)
    pdf = next(line for line in text.splitlines() if "render the month's PDF" in line)
    assert "1300" in pdf and "–" in pdf
    assert len(bench.markdown(figures).splitlines()) == 2 + len(figures)
