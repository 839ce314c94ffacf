"""`sentinel bench`: every benchmark in one run, reduced to fit in about ten minutes on two cores, as one
table of figures each next to its baseline measured in the same run, and one JSON file (format below,
documented in benchmarks/README.md) that `sentinel bench --compare OLD.json` compares with.

Each benchmark runs as its own process (`python -m benchmarks.NAME` with reduced sizes) and writes its
own results file; this module reads those files and extracts the figures (bench_figures.py). The extraction and the
comparison are pure functions (tested in tests/unit/test_bench.py); nothing here fakes a figure: a
benchmark that fails is reported as failed with no figures.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.bench_figures import EXTRACT, Figure, is_nan

FORMAT = "sentinel-bench"
VERSION = 1  # bump when a field changes meaning or goes away; adding fields keeps the version

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

# What each benchmark is run with: sizes cut so the whole run fits in ~10 minutes on the 2-core machine
# (each module's defaults are bigger; see benchmarks/README.md).
PLAN: dict[str, list[str]] = {
    "ingest": ["--presses", "10000", "--repeats", "1", "--samples", "100"],
    "supervision": ["--sites", "2000", "--seconds", "60"],
    "video": ["--frames", "100", "--repeats", "3"],
    "warnings": ["--seconds", "90"],
    "reports": ["--incidents", "5000", "--filler-events", "100000", "--repeats", "3"],
}


# --- the run's document -------------------------------------------------------------------------------
@dataclass
class Outcome:
    benchmark: str
    args: list[str]
    seconds: float
    ok: bool
    error: str | None = None


def document(outcomes: list[Outcome], figures: list[Figure], started: datetime, seconds: float) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "started_at": started.isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "machine": machine(),
        "commit": _git_commit(),
        "benchmarks": [asdict(o) for o in outcomes],
        "figures": [f.as_json() for f in figures],
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "load_average": list(os.getloadavg()),  # before the run: other work on the machine
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        return out.stdout.strip() or None
    except OSError:
        return None


class FormatError(ValueError):
    pass


def load_document(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: cannot read a bench file: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FormatError(f'{path}: not a `sentinel bench` file (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise FormatError(f"{path}: bench format version {data.get('version')}, this sentinel reads {VERSION}")
    return data


# --- tables -------------------------------------------------------------------------------------------
def _num(value: float | None) -> str:
    if value is None or is_nan(value):
        return "–"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def table(figures: list[Figure]) -> str:
    rows = [["benchmark", "figure", "value", "unit", "baseline (same run)", "baseline", "× baseline"]]
    for f in figures:
        ratio = f.ratio
        rows.append(
            [
                f.benchmark,
                f.name,
                _num(f.value),
                f.unit,
                f.baseline_name or "–",
                _num(f.baseline),
                f"{ratio:.2f}" if ratio is not None else "–",
            ]
        )
    return _render(rows)


def markdown(figures: list[Figure]) -> str:
    lines = [
        "| benchmark | figure | value | unit | baseline (same run) | baseline | × baseline |",
        "|---|---|---:|---|---|---:|---:|",
    ]
    for f in figures:
        ratio = f.ratio
        lines.append(
            f"| {f.benchmark} | {f.name} | {_num(f.value)} | {f.unit} | {f.baseline_name or '–'} | "
            f"{_num(f.baseline)} | {f'{ratio:.2f}' if ratio is not None else '–'} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Change:
    id: str
    name: str
    unit: str
    old: float | None
    new: float | None
    change: float | None  # (new - old) / old
    verdict: str  # better, worse, same, new, gone


def compare(old: dict[str, Any], new: dict[str, Any], same_within: float = 0.05) -> list[Change]:
    """Figure by figure (matched on `id`): the relative change and whether it is better or worse given
    the figure's direction; within `same_within` counts as the same (the machine is noisy)."""
    before = {f["id"]: f for f in old["figures"]}
    after = {f["id"]: f for f in new["figures"]}
    out = []
    for fid in [*after, *(k for k in before if k not in after)]:
        o, n = before.get(fid), after.get(fid)
        ref = n or o
        assert ref is not None
        if o is None or n is None:
            out.append(
                Change(
                    fid,
                    ref["name"],
                    ref["unit"],
                    o and o["value"],
                    n and n["value"],
                    None,
                    "new" if o is None else "gone",
                )
            )
            continue
        ov, nv = o["value"], n["value"]
        if ov is None or nv is None or is_nan(ov) or is_nan(nv) or ov == 0:
            out.append(Change(fid, ref["name"], ref["unit"], ov, nv, None, "same" if ov == nv else "n/a"))
            continue
        change = (nv - ov) / abs(ov)
        if abs(change) <= same_within:
            verdict = "same"
        else:
            verdict = "better" if (change > 0) == (n["better"] == "higher") else "worse"
        out.append(Change(fid, ref["name"], ref["unit"], ov, nv, change, verdict))
    return out


def compare_table(changes: list[Change]) -> str:
    rows = [["figure", "unit", "old", "new", "change", ""]]
    for c in changes:
        rows.append(
            [c.name, c.unit, _num(c.old), _num(c.new), f"{c.change:+.1%}" if c.change is not None else "–", c.verdict]
        )
    return _render(rows)


def _render(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- running ------------------------------------------------------------------------------------------
def result_file(name: str) -> Path:
    return RESULTS / f"{name}.json"


def run_one(name: str, args: list[str], log: Path, say: Callable[[str], None]) -> tuple[Outcome, list[Figure]]:
    path = result_file(name)
    path.unlink(missing_ok=True)  # a stale file from an earlier run must not pass for this one
    extra = ["--json", str(path)] if name == "video" else []
    started = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n=== {name} {' '.join(args)} ===\n".encode())
        out.flush()
        done = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}", *args, *extra], cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    seconds = time.monotonic() - started
    if done.returncode != 0 or not path.exists():
        error = f"exit {done.returncode}; see {log}"
        say(f"{name}: FAILED after {seconds:.0f} s ({error})")
        return Outcome(name, args, seconds, False, error), []
    try:
        figures = EXTRACT[name](json.loads(path.read_text("utf-8")))
    except (KeyError, IndexError, ValueError) as exc:
        say(f"{name}: its results file has an unexpected shape ({exc!r})")
        return Outcome(name, args, seconds, False, f"unexpected results: {exc!r}"), []
    say(f"{name}: done in {seconds:.0f} s")
    return Outcome(name, args, seconds, True), figures


def run_bench(only: list[str] | None, out: Path, say: Callable[[str], None]) -> tuple[dict[str, Any], list[Figure]]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / "bench.log"
    names = [n for n in PLAN if not only or n in only]
    started, t0 = datetime.now(UTC), time.monotonic()
    outcomes, figures = [], []
    for n, name in enumerate(names, 1):
        say(f"[{n}/{len(names)}] {name} {' '.join(PLAN[name])} (output in {log.relative_to(REPO)})…")
        outcome, found = run_one(name, PLAN[name], log, say)
        outcomes.append(outcome)
        figures += found
    doc = document(outcomes, figures, started, time.monotonic() - t0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return doc, figures
