"""Video analysis cost against decoding cost, measured in the same run: `python -m benchmarks.video`.

For each source (real footage and a synthetic scene, as H.264 / MPEG-4 / MJPEG at 1280×720 and 640×360):

* decode ms/frame: CPU time of a decode-only pass over the frames (FFmpeg and OpenCV held to one thread, so the
  number is per core);
* analysis ms/frame: CPU time inside `CameraAnalyzer.analyze` (frame preparation included) during a second pass
  that decodes and analyses every frame — measured around the call rather than as a difference of two totals,
  which on a shared machine is mostly noise;
* ratio: analysis / decode — the target is under 25 %;
* cameras on two cores: 2 × 1000 ms / (5 frames/s × ms per frame), decode only against decode + analysis;
* 25 fps ratio: a camera streaming 25 fps is decoded whole but analysed at 5 fps;
* searched: the share of frames searched for objects (the rest are skipped while a tamper is suspected or the
  scene changed, and cost far less): a cost compares with another only at a like share; so the analysis ms per
  searched frame and per skipped frame are given apart too;
* stages: where the analysis time goes, ms per frame (averaged over all frames), from a third pass per repeat
  with a CPU clock around each stage (`STAGES`): preparing the frame, tamper, motion, blobs, tracking, light
  checks, zone rules, and the rest of `analyze`. Timing the stages costs a little, so they add up to a bit more
  than the analysis column, which is measured without them.

Medians over `--repeats`. Prints two tables and writes `benchmarks/results/video.json`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

import hub.video.analyzer as analyzer_module
from benchmarks.video_suite_timing import count_searches
from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.zones import Zone
from simulators.camera.render import SceneRenderer
from simulators.camera.scenarios import SCENARIOS

REPO = Path(__file__).resolve().parents[1]
PLAZA = REPO / "tests" / "data" / "video" / "plaza_720p.avi"
RESULTS = REPO / "benchmarks" / "results" / "video.json"
CAMERA_FPS = 5.0
TARGET_RATIO = 0.25


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    width: int
    height: int
    codec: str
    scene: str  # busy (a crowded plaza) or quiet (a yard with a few people)


@dataclass(frozen=True)
class Result:
    source: str
    resolution: str
    codec: str
    scene: str
    decode_ms: float
    analysis_ms: float
    ratio: float
    cameras_decode_only: float
    cameras_with_analysis: float
    stream_25fps_ratio: float  # a 25 fps stream is decoded whole but analysed at 5 fps
    searched_share: float  # frames searched for objects (not skipped as tampered or a scene change)
    searched_ms: float  # analysis ms per frame searched for objects (NaN: none was)
    skipped_ms: float  # … and per frame not searched (NaN: none was)
    stages_ms: dict[str, float] = field(default_factory=dict)  # stage → ms per frame, median over the repeats


# Stage → where its callable is: (the analyzer's attribute holding it, "" for the analyzer itself, None for the
# analyzer's module; the callable's name). A stage this version of the analyzer does not have is left out.
STAGES: dict[str, tuple[str | None, str]] = {
    "prepare": ("", "prepare"),
    "tamper": ("_tamper", "update"),
    "motion": ("_motion", "detect"),
    "blobs": (None, "find_blobs"),
    "tracking": ("_tracker", "update"),
    "light": ("", "_is_light"),
    "rules": ("_rules", "evaluate"),
}


def _zones() -> tuple[Zone, ...]:
    return SCENARIOS["yard_intrusions"]().zones + SCENARIOS["line_crossing"]().zones + SCENARIOS["crowd"]().zones


def _open(path: str) -> cv2.VideoCapture:
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
    if not capture.isOpened():
        raise OSError(f"cannot open {path}")
    return capture


def decode_pass(path: str, frames: int) -> float:
    """CPU ms per frame to decode `frames` frames."""
    capture = _open(path)
    done = 0
    started = time.process_time()
    while done < frames and capture.read()[0]:
        done += 1
    spent = time.process_time() - started
    capture.release()
    return spent / done * 1000


@dataclass(frozen=True)
class Pass:
    ms: float  # CPU ms per frame
    searched_share: float
    searched_ms: float  # CPU ms per frame searched for objects, NaN when none was
    skipped_ms: float  # … per frame not searched, NaN when all were


def analysis_pass(path: str, frames: int, stages: dict[str, float] | None = None) -> Pass:
    """CPU ms per frame inside the analyzer, decoding and analysing `frames` frames, over all frames and apart
    for the frames searched for objects and the rest. With `stages`, each stage's CPU ms per frame is added to it
    (and `other` for the rest).

    A frame is searched when the analyzer updates its tracker on it, which any version of the analyzer does only
    then: this benchmark run against an older tree (its directory first on PYTHONPATH) splits its costs alike."""
    analyzer = CameraAnalyzer(AnalyzerSettings(zones=_zones()))
    capture = _open(path)
    done, searched, spent, spent_searched = 0, 0, 0.0, 0.0
    updates = count_searches(analyzer)
    spent_in: dict[str, float] = {}
    with _stage_clocks(analyzer, spent_in) if stages is not None else _nothing():
        while done < frames:
            ok, image = capture.read()
            if not ok:
                break
            before = updates[0]
            started = time.process_time()
            analyzer.analyze(image, done / CAMERA_FPS)
            took = time.process_time() - started
            spent += took
            if updates[0] != before:
                searched += 1
                spent_searched += took
            done += 1
    capture.release()
    if stages is not None:
        for name, seconds in spent_in.items():
            stages[name] = seconds / done * 1000
        stages["other"] = (spent - sum(spent_in.values())) / done * 1000
    skipped = done - searched
    return Pass(
        spent / done * 1000,
        searched / done,
        spent_searched / searched * 1000 if searched else math.nan,
        (spent - spent_searched) / skipped * 1000 if skipped else math.nan,
    )


@contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextmanager
def _stage_clocks(analyzer: CameraAnalyzer, spent_in: dict[str, float]) -> Iterator[None]:
    """Wraps each stage in a CPU clock adding to `spent_in[stage]` (seconds); the module's functions are restored
    on exit (the analyzer's own attributes go with it)."""
    restore: list[tuple[Any, str, Any]] = []

    def clocked(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        spent_in[name] = 0.0

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return call(*args, **kwargs)
            finally:
                spent_in[name] += time.process_time() - started

        return timed

    for name, (holder, attribute) in STAGES.items():
        owner: Any = analyzer_module if holder is None else getattr(analyzer, holder, None) if holder else analyzer
        call = getattr(owner, attribute, None)
        if call is None:
            continue
        if owner is analyzer_module:
            restore.append((owner, attribute, call))
        setattr(owner, attribute, clocked(name, call))
    try:
        yield
    finally:
        for owner, attribute, call in restore:
            setattr(owner, attribute, call)


def cameras_on_two_cores(ms_per_frame: float) -> float:
    return 2 * 1000 / (CAMERA_FPS * ms_per_frame)


def measure(source: Source, frames: int, repeats: int) -> Result:
    decode: list[float] = []
    passes: list[Pass] = []
    stages: list[dict[str, float]] = []
    for _ in range(repeats):  # interleaved, so that a busy moment of the machine hits both alike
        decode.append(decode_pass(source.path, frames))
        passes.append(analysis_pass(source.path, frames))  # the same frames searched every repeat: deterministic
        stages.append({})
        analysis_pass(source.path, frames, stages[-1])
    decode_ms, analysis_ms = statistics.median(decode), statistics.median(p.ms for p in passes)
    return Result(
        source=source.name,
        resolution=f"{source.width}x{source.height}",
        codec=source.codec,
        scene=source.scene,
        decode_ms=round(decode_ms, 3),
        analysis_ms=round(analysis_ms, 3),
        ratio=round(analysis_ms / decode_ms, 3),
        cameras_decode_only=round(cameras_on_two_cores(decode_ms), 1),
        cameras_with_analysis=round(cameras_on_two_cores(decode_ms + analysis_ms), 1),
        stream_25fps_ratio=round(analysis_ms / (5 * decode_ms), 3),
        searched_share=round(passes[0].searched_share, 2),
        searched_ms=round(statistics.median(p.searched_ms for p in passes), 3),
        skipped_ms=round(statistics.median(p.skipped_ms for p in passes), 3),
        stages_ms={name: round(statistics.median(s[name] for s in stages), 3) for name in stages[0]},
    )


def prepare_sources(folder: Path, frames: int, scenes: tuple[str, ...] = ("busy", "quiet")) -> list[Source]:
    """The plaza footage (the busy scene) as it is (H.264, 1280×720), re-encoded at 640×360 (MPEG-4 part 2: the
    opencv wheel has no H.264 encoder) and as MJPEG at both sizes; and a quiet synthetic yard as MJPEG at both
    sizes. Only the sources of `scenes`."""
    sources, made = [], []
    if "busy" in scenes:
        if not PLAZA.exists():
            raise SystemExit(f"the plaza footage is missing: {PLAZA}")
        capture = cv2.VideoCapture(str(PLAZA))
        plaza: list[np.ndarray] = []
        while len(plaza) < frames:
            ok, image = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            plaza.append(image)
        sources.append(Source("plaza", str(PLAZA), 1280, 720, "H.264 (original)", "busy"))
        made.append(("plaza", "busy", plaza))
    if "quiet" in scenes:
        renderer = SceneRenderer(SCENARIOS["yard_intrusions"]().scene)
        made.append(("synthetic yard", "quiet", [renderer.frame(2 + i / CAMERA_FPS) for i in range(frames)]))
    for name, scene, images in made:
        for (width, height), fourcc, codec, ext in (
            ((640, 360), "mp4v", "MPEG-4 part 2", ".mp4"),
            ((1280, 720), "MJPG", "MJPEG", ".avi"),
            ((640, 360), "MJPG", "MJPEG", ".avi"),
        ):
            if scene == "quiet" and fourcc == "mp4v":
                continue
            path = folder / f"{name.replace(' ', '_')}_{width}x{height}_{fourcc}{ext}"
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25, (width, height))
            for image in images:
                if image.shape[:2] != (height, width):
                    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
                writer.write(image)
            writer.release()
            sources.append(Source(name, str(path), width, height, codec, scene))
    return sources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=200, help="frames per measurement")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; medians are reported")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the results")
    parser.add_argument(
        "--scene", choices=("busy", "quiet"), action="append", help="only this scene's sources (repeatable)"
    )
    args = parser.parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="sentinel-bench-video-") as folder:
        sources = prepare_sources(Path(folder), args.frames, tuple(args.scene or ("busy", "quiet")))
        results = [measure(source, args.frames, args.repeats) for source in sources]
    header = (
        f"{'source':15} {'size':>9} {'codec':17} {'decode ms':>9} {'analysis ms':>11} {'ratio':>6} "
        f"{'cams decode':>11} {'cams +analysis':>14} {'25fps ratio':>11} {'searched':>8} {'ms searched':>11} "
        f"{'ms skipped':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.source:15} {r.resolution:>9} {r.codec:17} {r.decode_ms:9.2f} {r.analysis_ms:11.2f} "
            f"{r.ratio:6.0%} {r.cameras_decode_only:11.0f} {r.cameras_with_analysis:14.0f} "
            f"{r.stream_25fps_ratio:11.0%} {r.searched_share:8.0%} {r.searched_ms:11.2f} {r.skipped_ms:10.2f}"
        )
    names = list(results[0].stages_ms) if results else []
    header = f"{'source':15} {'size':>9} {'codec':17} " + " ".join(f"{name:>8}" for name in names)
    print(f"\nwhere the analysis time goes, ms per frame (stages timed in a pass of their own):\n{header}")
    print("-" * len(header))
    for r in results:
        cells = " ".join(f"{r.stages_ms.get(name, float('nan')):8.3f}" for name in names)
        print(f"{r.source:15} {r.resolution:>9} {r.codec:17} {cells}")
    print(
        f"\nratio = analysis / decode per frame (target < {TARGET_RATIO:.0%}); cams = 5 fps cameras two cores "
        "sustain (from CPU ms per frame); 25fps ratio = a 25 fps stream decoded whole and analysed at 5 fps; "
        "searched = frames searched for objects (not skipped as tampered or a scene change); ms searched / "
        "skipped = analysis ms per frame of each kind (compare trees on these when their searched shares differ)."
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "opencv": cv2.__version__},
                "frames": args.frames,
                "repeats": args.repeats,
                "target_ratio": TARGET_RATIO,
                "results": [asdict(r) for r in results],
            },
            indent=2,
        )
    )
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
