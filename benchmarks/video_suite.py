"""Analysis cost over the labelled quality suite, against an older tree's analyzer on the same frames in the same
run: `python -m benchmarks.video_suite [--baseline REV] [--repeats 3] [--variants]`.

`benchmarks.video` times two sources (a busy plaza, a quiet yard); this one times every scene of the quality suite
(`simulators.camera.suite`: intrusions, loitering, crowds, lines, rain, night, light steps, every kind of tamper,
small people, pairs) at 640×360 and 5 fps, each scene with its own zones as the quality tests play it. The frames
are rendered once by this tree into a temporary folder (~0.7 MB a frame: about 2 GB for the 17 scenes, 6 GB with
`--variants`); each tree's analyzer is then timed on them in a process of its own (`video_suite_timing.py`, with
that tree first on PYTHONPATH), this tree and the baseline alternating, CPU time of the analysing thread around
each `analyze` call. Every zone is armed all the time in both (schedules' classes differ between versions).

`--baseline REV`: a git revision whose `hub` package is extracted (`git archive`) and timed beside this tree, e.g.
793c142, the tree before issue 16. Medians over `--repeats`. Prints a table and writes
`benchmarks/results/video_suite.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import fields
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from hub.video.zones import Zone
from simulators.camera.render import SceneRenderer
from simulators.camera.suite import all_scenarios

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "video_suite.json"
TIMING = Path(__file__).with_name("video_suite_timing.py")
FPS = 5.0
THIS_TREE = "this tree"


def render_suite(folder: Path, variants: bool) -> list[dict[str, Any]]:
    """Each scene's frames as one .npy file, and an index of them with their zones (plain JSON values)."""
    index = []
    scenarios = all_scenarios(variants)
    for number, scenario in enumerate(scenarios, 1):
        renderer = SceneRenderer(scenario.scene)
        count = int(scenario.duration_s * FPS)
        path = folder / f"scene{number:02}.npy"
        np.save(path, np.stack([renderer.frame(i / FPS) for i in range(count)]))
        zones = [zone_fields(zone) for zone in scenario.zones]
        index.append({"name": scenario.name, "file": path.name, "frames": count, "t0": scenario.t0, "zones": zones})
        print(f"rendered {number}/{len(scenarios)}: {scenario.name} ({count} frames)", file=sys.stderr, flush=True)
    (folder / "index.json").write_text(json.dumps(index))
    return index


def zone_fields(zone: Zone) -> dict[str, Any]:
    """A zone as plain JSON values for `video_suite_timing.make_zone`, without its schedule (whose classes differ
    between versions: every zone is armed all the time)."""
    values = {f.name: getattr(zone, f.name) for f in fields(zone) if f.name != "schedule"}
    values["kind"], values["direction"] = zone.kind.value, zone.direction.value
    return values


def extract_tree(revision: str, folder: Path) -> Path:
    """The revision's `hub` package under `folder`, for PYTHONPATH."""
    archive = subprocess.run(["git", "archive", revision, "hub"], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def time_tree(tree: Path, frames: Path) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, str(TIMING), str(frames)], env=environment, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"timing the analyzer of {tree} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def base_name(scene: str) -> str:
    """Variants ('…_mirrored', '…_reseeded') count with the scene they vary."""
    for suffix in ("_mirrored", "_reseeded"):
        if scene.endswith(suffix):
            return scene[: -len(suffix)]
    return scene


def summarise(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Scene (variants together, and 'all') → ms per frame (median over the runs) and the searched share."""
    totals: list[dict[str, list[float]]] = []
    for run in runs:
        sums: dict[str, list[float]] = {}
        for scene in run["scenes"]:
            for name in (base_name(scene["name"]), "all"):
                cpu_s, frames, searched = sums.setdefault(name, [0.0, 0, 0])
                sums[name] = [cpu_s + scene["cpu_s"], frames + scene["frames"], searched + scene["searched"]]
        totals.append(sums)
    return {
        name: {
            "ms_per_frame": round(statistics.median(t[name][0] * 1000 / t[name][1] for t in totals), 3),
            "frames": totals[0][name][1],
            "searched_share": round(totals[0][name][2] / totals[0][name][1], 3),
        }
        for name in totals[0]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--baseline", help="a git revision whose analyzer is timed beside this tree's")
    parser.add_argument("--repeats", type=int, default=3, help="runs per tree, alternating; medians are reported")
    parser.add_argument("--variants", action="store_true", help="the suite's mirrored and reseeded variants too")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-suite-") as temporary:
        folder = Path(temporary)
        (folder / "frames").mkdir()
        render_suite(folder / "frames", args.variants)
        trees = {THIS_TREE: REPO}
        if args.baseline:
            trees[args.baseline] = extract_tree(args.baseline, folder / "baseline")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for repeat in range(1, args.repeats + 1):
            for name, tree in trees.items():
                started = time.perf_counter()
                runs[name].append(time_tree(tree, folder / "frames"))
                print(f"run {repeat}/{args.repeats}, {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    summaries = {name: summarise(r) for name, r in runs.items()}
    now = summaries[THIS_TREE]
    before = summaries.get(args.baseline) if args.baseline else None
    header = f"{'scene':24} {'frames':>6} {'ms/frame':>8} {'searched':>8}"
    if before is not None:
        header += f" {'baseline ms':>11} {'searched':>8} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, figures in sorted(now.items(), key=lambda item: item[0] == "all"):
        line = f"{name:24} {figures['frames']:6} {figures['ms_per_frame']:8.3f} {figures['searched_share']:8.0%}"
        if before is not None:
            old = before[name]
            ratio = figures["ms_per_frame"] / old["ms_per_frame"]
            line += f" {old['ms_per_frame']:11.3f} {old['searched_share']:8.0%} {ratio:6.2f}"
        print(line)
    if before is not None:
        print(f"\nbaseline: the analyzer of {args.baseline}; ratio = this tree / baseline, ms per frame")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
                "repeats": args.repeats,
                "variants": args.variants,
                "baseline": args.baseline,
                "results": summaries,
            },
            indent=2,
        )
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
