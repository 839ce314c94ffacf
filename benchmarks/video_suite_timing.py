"""Times the analyzer over frames `benchmarks.video_suite` rendered: run as a script in a process of its own, with
the tree under test first on PYTHONPATH, so an older tree's analyzer is timed on the same frames as this one's.

It uses only what every version of the analyzer has (`AnalyzerSettings(zones=…)`, `CameraAnalyzer.analyze`, the
tracker's `update`, `Zone` and its enums) and gives each zone only the fields that tree's `Zone` knows.

    python benchmarks/video_suite_timing.py FRAMES_DIR   → one JSON line on stdout
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from hub.video import zones as zones_module
from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer

FPS = 5.0


def make_zone(fields: dict[str, Any]) -> zones_module.Zone:
    known = {f.name for f in dataclasses.fields(zones_module.Zone)}
    kwargs = {name: value for name, value in fields.items() if name in known}
    kwargs["kind"] = zones_module.ZoneKind(fields["kind"])
    kwargs["direction"] = zones_module.Direction(fields["direction"])
    kwargs["polygon"] = tuple(tuple(point) for point in fields["polygon"])
    if fields.get("line") is not None:
        kwargs["line"] = tuple(tuple(point) for point in fields["line"])
    if fields.get("min_object_height") is not None and "min_object_height" in known:
        kwargs["min_object_height"] = tuple(fields["min_object_height"])
    return zones_module.Zone(**kwargs)


def count_searches(analyzer: CameraAnalyzer) -> list[int]:
    """A counter (its one item) of the frames the analyzer searches for objects from now on: it updates its tracker
    on those only, in every version."""
    updates = [0]
    update = analyzer._tracker.update

    def counted(*args: Any) -> Any:
        updates[0] += 1
        return update(*args)

    analyzer._tracker.update = counted  # type: ignore[method-assign]
    return updates


def time_scene(frames: np.ndarray, zones: list[dict[str, Any]], t0: float) -> tuple[float, int]:
    """CPU seconds inside `analyze` over the scene's frames, and how many frames were searched for objects (the
    tracker updated: every version of the analyzer does that only on a searched frame)."""
    analyzer = CameraAnalyzer(AnalyzerSettings(zones=tuple(make_zone(z) for z in zones)))
    updates = count_searches(analyzer)
    spent = 0.0
    for i in range(len(frames)):
        frame = frames[i]
        started = time.thread_time()
        analyzer.analyze(frame, t0 + i / FPS)
        spent += time.thread_time() - started
    return spent, updates[0]


def main(folder: Path) -> None:
    cv2.setNumThreads(1)  # all of OpenCV's work on this thread, whose CPU clock is read
    index = json.loads((folder / "index.json").read_text())
    scenes = []
    for entry in index:
        spent, searched = time_scene(np.load(folder / entry["file"]), entry["zones"], entry["t0"])
        scenes.append({"name": entry["name"], "frames": entry["frames"], "cpu_s": spent, "searched": searched})
    print(json.dumps({"scenes": scenes}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
