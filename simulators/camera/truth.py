"""Ground truth for synthetic scenes, and scoring a detector against it.

Expected events are derived from the scene's script (where each walker's foot is, when) with the same geometry
the rules use, each with a time window in which a detection counts as a hit. A detection matches at most one
expected event of its name and zone; what is left over is a false alarm (duplicates included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.video.detections import Detection
from hub.video.geometry import point_in_polygon, projection_on_segment, side_of_line
from hub.video.zones import Direction, Zone
from simulators.camera.render import Walker

# How late a detection may come after the labelled instant: tracks need a few frames to be confirmed.
DETECTION_LAG_S = 2.5
EARLY_S = 0.3
_STEP_S = 0.05


@dataclass(frozen=True, slots=True)
class ExpectedEvent:
    name: str  # detection name: intrusion, loitering, crowd, line_crossing, tamper_covered, …
    zone_id: str | None
    start: float  # seconds from the start of the scene
    end: float


def window(name: str, zone_id: str | None, at: float, lag: float = DETECTION_LAG_S) -> ExpectedEvent:
    return ExpectedEvent(name, zone_id, at - EARLY_S, at + lag)


def _samples(walker: Walker) -> Iterable[tuple[float, tuple[float, float]]]:
    t, end = walker.path[0][0], walker.path[-1][0]
    while t <= end:
        foot = walker.foot_at(t)
        if foot is not None:
            yield t, foot
        t += _STEP_S


def entries(walker: Walker, zone: Zone) -> list[float]:
    """Times at which the walker's foot enters the zone's polygon (or appears inside it)."""
    times, was_inside = [], False
    for t, foot in _samples(walker):
        inside = point_in_polygon(foot, zone.polygon)
        if inside and not was_inside:
            times.append(t)
        was_inside = inside
    return times


def stays(walker: Walker, zone: Zone) -> list[tuple[float, float]]:
    """(entered, left) intervals of the walker's foot inside the zone."""
    intervals: list[tuple[float, float]] = []
    entered: float | None = None
    last_t = 0.0
    for t, foot in _samples(walker):
        inside = point_in_polygon(foot, zone.polygon)
        if inside and entered is None:
            entered = t
        elif not inside and entered is not None:
            intervals.append((entered, t))
            entered = None
        last_t = t
    if entered is not None:
        intervals.append((entered, last_t))
    return intervals


def crossings(walker: Walker, zone: Zone) -> list[float]:
    """Times at which the walker's foot crosses the zone's line in its direction."""
    assert zone.line is not None
    a, b = zone.line
    times = []
    previous: tuple[float, float] | None = None
    for t, foot in _samples(walker):
        if previous is not None:
            d0, d1 = side_of_line(previous, a, b), side_of_line(foot, a, b)
            if d0 * d1 < 0:
                share = d0 / (d0 - d1)
                meeting = (previous[0] + share * (foot[0] - previous[0]), previous[1] + share * (foot[1] - previous[1]))
                dx, dy = zone.direction.vector
                forward = (foot[0] - previous[0]) * dx + (foot[1] - previous[1]) * dy > 0
                if 0 <= projection_on_segment(meeting, a, b) <= 1 and (zone.direction is Direction.ANY or forward):
                    times.append(t)
        previous = foot
    return times


def crowd_start(walkers: Sequence[Walker], zone: Zone, count: int) -> float | None:
    """When `count` walkers first stand in the zone together."""
    t, end = 0.0, max(w.path[-1][0] for w in walkers)
    while t <= end:
        inside = sum(1 for w in walkers if (foot := w.foot_at(t)) is not None and point_in_polygon(foot, zone.polygon))
        if inside >= count:
            return t
        t += _STEP_S
    return None


# --- scoring ---------------------------------------------------------------------------------------------------
@dataclass(slots=True)
class TypeScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scene's result: which expectations were met, which were missed, and the false alarms."""

    scene: str
    hits: tuple[tuple[ExpectedEvent, Detection], ...]
    misses: tuple[ExpectedEvent, ...]
    false_alarms: tuple[Detection, ...]


def match(scene: str, expected: Sequence[ExpectedEvent], detections: Sequence[Detection], t0: float) -> Outcome:
    """Greedy in time order: each detection takes the earliest open expectation it fits."""
    open_expectations = sorted(expected, key=lambda e: e.start)
    hits, false_alarms = [], []
    for detection in sorted(detections, key=lambda d: d.t):
        at = detection.t - t0
        fit = next(
            (
                e
                for e in open_expectations
                if e.name == detection.name and e.zone_id == detection.zone_id and e.start <= at <= e.end
            ),
            None,
        )
        if fit is None:
            false_alarms.append(detection)
        else:
            open_expectations.remove(fit)
            hits.append((fit, detection))
    return Outcome(scene, tuple(hits), tuple(open_expectations), tuple(false_alarms))


def score(outcomes: Iterable[Outcome]) -> dict[str, TypeScore]:
    """Precision and recall per event name over all scenes."""
    scores: dict[str, TypeScore] = {}
    for outcome in outcomes:
        for expectation, _ in outcome.hits:
            scores.setdefault(expectation.name, TypeScore()).true_positives += 1
        for expectation in outcome.misses:
            scores.setdefault(expectation.name, TypeScore()).false_negatives += 1
        for detection in outcome.false_alarms:
            scores.setdefault(detection.name, TypeScore()).false_positives += 1
    return scores
