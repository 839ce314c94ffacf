"""Detection quality, measured: the labelled synthetic suite scored to precision and recall per event type,
false alarms on a light-change and rain sequence, and hand-labelled crossings on real footage (plaza_720p.avi).

The numbers printed by `python -m tests.unit.test_video_quality` are the ones reported in benchmarks/README.md.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest

from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.detections import Detection
from hub.video.zones import Direction, Zone, ZoneKind
from simulators.camera import run
from simulators.camera.run import evaluate
from simulators.camera.scenarios import EVENING, SCENARIOS, TAMPER_WITHIN_S
from simulators.camera.suite import all_scenarios
from simulators.camera.truth import EARLY_S, Outcome, TypeScore, score

REPO = Path(__file__).resolve().parents[2]
PLAZA_VIDEO = REPO / "tests" / "data" / "video" / "plaza_720p.avi"
PLAZA_LABELS = REPO / "tests" / "data" / "video" / "plaza_crossings.json"

# Recall and precision each event type must reach on the synthetic suite. One walker per line-crossing scene
# wears cyan as bright as the paving in grey: grey-level motion misses it (the known limit); measured 0.98.
MIN_RECALL = 0.95
MIN_PRECISION = 0.95


def evaluate_all() -> list[Outcome]:
    """Every scene of the suite, in as many processes as there are cores (up to 4): the scenes are independent,
    and rendering and analysing 51 of them takes ~50 s of CPU. Spawned, not forked: OpenCV's threads and fork
    do not mix."""
    scenarios = all_scenarios()
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2:
        return [evaluate(scenario) for scenario in scenarios]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(evaluate, scenarios))


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return evaluate_all()


@pytest.fixture(scope="module")
def scores(outcomes: list[Outcome]) -> dict[str, TypeScore]:
    return score(outcomes)


EXPECTED_TYPES = (
    "intrusion",
    "loitering",
    "crowd",
    "line_crossing",
    "tamper_covered",
    "tamper_covered_restored",
    "tamper_moved",
    "tamper_moved_restored",
    "tamper_defocused",
    "tamper_defocused_restored",
)


def test_the_suite_labels_every_event_type() -> None:
    labelled = {e.name for s in all_scenarios() for e in s.expected}
    assert labelled == set(EXPECTED_TYPES)


@pytest.mark.parametrize("event_type", EXPECTED_TYPES)
def test_recall_per_event_type_on_the_synthetic_suite(scores: dict[str, TypeScore], event_type: str) -> None:
    result = scores[event_type]
    assert result.recall >= MIN_RECALL, result


@pytest.mark.parametrize("event_type", EXPECTED_TYPES)
def test_precision_per_event_type_on_the_synthetic_suite(scores: dict[str, TypeScore], event_type: str) -> None:
    result = scores[event_type]
    assert result.precision >= MIN_PRECISION, result


def test_no_event_of_a_type_that_was_never_labelled(scores: dict[str, TypeScore]) -> None:
    assert set(scores) <= set(EXPECTED_TYPES), {k: v for k, v in scores.items() if k not in EXPECTED_TYPES}


def scenes(outcomes: list[Outcome], name: str) -> list[Outcome]:
    """A scenario's outcomes: the scene itself and its variants."""
    found = [o for o in outcomes if o.scene == name or o.scene.startswith(f"{name}_")]
    assert len(found) == 3, [o.scene for o in found]
    return found


def test_light_changes_rain_and_snow_raise_no_alarm(outcomes: list[Outcome]) -> None:
    false_alarms = [(o.scene, d.name, d.zone_id) for o in scenes(outcomes, "light_and_rain") for d in o.false_alarms]
    assert false_alarms == []


@pytest.mark.parametrize("name", ["light_and_rain", "panned_camera", "sprayed_lens", "moved_camera"])
def test_no_false_intrusion_on_scenes_without_anyone(outcomes: list[Outcome], name: str) -> None:
    assert [(o.scene, d.name) for o in scenes(outcomes, name) for d in o.false_alarms] == []


def test_every_tamper_is_raised_and_restored_within_two_seconds(outcomes: list[Outcome]) -> None:
    """A tamper expectation spans its onset (or fix) to 2 s after it: a hit is in time, a miss is late or absent."""
    tampers = [
        (o.scene, e.name, round(d.t - EVENING.timestamp() - (e.start + EARLY_S), 1))
        for o in outcomes
        for e, d in o.hits
        if e.name.startswith("tamper")
    ]
    assert len(tampers) == 42, tampers  # 7 tamper scenes × 3 variants × raise and restore
    late = [(scene, name, after) for scene, name, after in tampers if after > TAMPER_WITHIN_S]
    missed = [(o.scene, e.name) for o in outcomes for e in o.misses if e.name.startswith("tamper")]
    assert late == [] and missed == []


def test_defocus_suspends_the_zone_rules_and_the_event_says_so() -> None:
    detections = run.play(SCENARIOS["defocus_with_walkers"]())
    assert [d.name for d in detections] == ["tamper_defocused", "tamper_defocused_restored"]
    assert [d.rules_suspended for d in detections] == [True, False]


def test_walkers_in_pairs_are_counted_one_by_one(outcomes: list[Outcome]) -> None:
    for pairs in scenes(outcomes, "walking_in_pairs"):
        assert pairs.misses == () and pairs.false_alarms == (), pairs.scene


def test_people_30_to_40_px_tall_are_seen(outcomes: list[Outcome]) -> None:
    for far in scenes(outcomes, "small_people"):
        assert far.misses == () and far.false_alarms == (), far.scene


def test_rain_does_not_hide_intruders(outcomes: list[Outcome]) -> None:
    for rainy in scenes(outcomes, "rain_intruders"):
        assert rainy.misses == () and len(rainy.hits) == 2, rainy.scene


def test_an_entry_before_the_zone_is_armed_is_not_reported(outcomes: list[Outcome]) -> None:
    for evening in scenes(outcomes, "yard_schedule"):
        assert evening.false_alarms == () and len(evening.hits) == 1, evening.scene


def test_the_analysis_is_deterministic(outcomes: list[Outcome]) -> None:
    """The same scene analysed again, in this process, gives what the suite's run gave."""
    assert evaluate(SCENARIOS["yard_intrusions"]()) == next(o for o in outcomes if o.scene == "yard_intrusions")


# --- real footage ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlazaResult:
    hits: int
    false_alarms: int
    misses: int
    detections: list[tuple[float, float, str]]

    @property
    def recall(self) -> float:
        return self.hits / (self.hits + self.misses)

    @property
    def precision(self) -> float:
        return self.hits / max(self.hits + self.false_alarms, 1)


def play_plaza(passes: int = 2, fps: float = 5.0) -> tuple[float, list[tuple[int, Detection]]]:
    """Detections on the plaza footage with one line zone per direction, at `fps`, playing the clip `passes`
    times back to back (the first pass is the background's warm-up in a crowd: see `plaza_result`).
    Returns the clip's duration and (pass, detection) pairs."""
    if not PLAZA_VIDEO.exists():
        pytest.fail(f"the plaza footage is missing: {PLAZA_VIDEO} (tests/data/video)", pytrace=False)
    labels = json.loads(PLAZA_LABELS.read_text())
    a, b = tuple(labels["line"]["a"]), tuple(labels["line"]["b"])
    zones = tuple(Zone(d.value, ZoneKind.LINE_CROSSING, line=(a, b), direction=d) for d in _PLAZA_DIRECTIONS)
    analyzer = CameraAnalyzer(AnalyzerSettings(zones=zones, tamper=None))
    capture = cv2.VideoCapture(str(PLAZA_VIDEO))
    frames = []
    index = 0
    while capture.grab():
        if index % round(25 / fps) == 0:
            frames.append((index / 25, capture.retrieve()[1]))
        index += 1
    capture.release()
    duration = index / 25
    detections = []
    for play in range(passes):
        for t, frame in frames:
            detections += [(play, d) for d in analyzer.analyze(frame, play * duration + t)]
    return duration, detections


_PLAZA_DIRECTIONS = (Direction.BOTTOM_TO_TOP, Direction.TOP_TO_BOTTOM)


def plaza_result(passes: int = 2) -> PlazaResult:
    """Score the last pass against the hand labels. A detection hits a label of its direction when its foot is
    within 0.08 of the frame width of the labelled x, from 1 s before to 2 s after the labelled time. Detections
    in the first second of a replay (the jump from the clip's end to its start) are left out."""
    labels = json.loads(PLAZA_LABELS.read_text())
    last = passes - 1
    duration, detections = play_plaza(passes)
    found = [
        (d.t - last * duration, d.objects[0].foot[0], d.zone_id or "")
        for play, d in detections
        if play == last and d.t - last * duration >= (1.0 if last else labels["warmup_s"])
    ]
    expected = [c for c in labels["crossings"] if last or c["t"] >= labels["warmup_s"]]
    unmatched = list(expected)
    hits = 0
    for t, x, direction in sorted(found):
        match = next(
            (
                c
                for c in unmatched
                if c["direction"] == direction and c["t"] - 1.0 <= t <= c["t"] + 2.0 and abs(c["x"] - x) < 0.08
            ),
            None,
        )
        if match is not None:
            unmatched.remove(match)
            hits += 1
    return PlazaResult(hits, len(found) - hits, len(unmatched), found)


@pytest.fixture(scope="module")
def plaza() -> PlazaResult:
    return plaza_result()


def test_plaza_crossings_recall(plaza: PlazaResult) -> None:
    # A dense crowd at 320 px. Measured 1.0 (0.9 before ghosts of the warm-up were absorbed and tracks followed
    # their feet, 0.8 before people side by side were split).
    assert plaza.recall >= 0.9, plaza


def test_plaza_crossings_precision(plaza: PlazaResult) -> None:
    # Measured 0.91: the one false crossing is a man and his bag tracked as two at the line. 0.64 before: blobs
    # merged with the warm-up's ghosts, feet jumping at the line (0.56 when a track counted from its third frame).
    assert plaza.precision >= 0.9, plaza


if __name__ == "__main__":
    for name, result in sorted(score(evaluate_all()).items()):
        print(f"{name:28} precision {result.precision:.2f} recall {result.recall:.2f}  {result}")
    for passes in (1, 2):
        r = plaza_result(passes)
        print(f"plaza, pass {passes}: hits {r.hits} false alarms {r.false_alarms} misses {r.misses} "
              f"precision {r.precision:.2f} recall {r.recall:.2f}")  # fmt: skip
