"""Tamper (covered, moved, defocused) with hysteresis, and stream supervision from frame times."""

from __future__ import annotations

import cv2
import numpy as np

from hub.video.detections import TamperKind
from hub.video.hysteresis import Change, Debounced
from hub.video.stream import StreamWatchdog
from hub.video.tamper import TamperDetector
from simulators.camera.render import Scene, SceneRenderer

FPS = 5.0
VIEW = SceneRenderer(Scene(seed=5))


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image[::2, ::2], cv2.COLOR_BGR2GRAY)


def run(detector: TamperDetector, frames: list[np.ndarray], t0: float = 0.0) -> list[tuple[float, TamperKind]]:
    events = []
    for i, frame in enumerate(frames):
        events += [(e.t, e.kind) for e in detector.update(frame, t0 + i / FPS)]
    return events


NORMAL = gray(VIEW.frame(0))
COVERED = np.full_like(NORMAL, 25)
BLURRED = cv2.GaussianBlur(NORMAL, (0, 0), 4)
SHIFTED = np.roll(np.roll(NORMAL, 60, axis=1), 20, axis=0)


def learnt() -> TamperDetector:
    detector = TamperDetector()
    assert run(detector, [NORMAL] * 20) == []
    return detector


def test_a_covered_lens_is_raised_after_it_persists_and_restored_after_it_clears() -> None:
    detector = learnt()
    events = run(detector, [COVERED] * 15 + [NORMAL] * 20, t0=4.0)
    assert [kind for _, kind in events] == [TamperKind.COVERED, TamperKind.COVERED_RESTORED]
    assert abs(events[0][0] - 6.0) < 0.3  # raise_after_s = 2


def test_a_brief_cover_does_not_raise() -> None:
    detector = learnt()
    assert run(detector, [COVERED] * 5 + [NORMAL] * 10, t0=4.0) == []


def test_flickering_while_covered_does_not_flap() -> None:
    detector = learnt()
    flicker = [COVERED if i % 4 else NORMAL for i in range(40)]
    events = run(detector, [COVERED] * 15 + flicker, t0=4.0)
    assert [kind for _, kind in events] == [TamperKind.COVERED]


def test_a_dark_night_scene_with_contrast_is_not_covered() -> None:
    detector = learnt()
    night = cv2.convertScaleAbs(NORMAL, alpha=0.35)
    assert run(detector, [night] * 25, t0=4.0) == []


def test_defocus_is_raised_and_restored() -> None:
    detector = learnt()
    kinds = [k for _, k in run(detector, [BLURRED] * 20 + [NORMAL] * 25, t0=4.0)]
    assert kinds == [TamperKind.DEFOCUSED, TamperKind.DEFOCUSED_RESTORED]


def test_a_moved_camera_is_raised_and_restored_when_put_back() -> None:
    detector = learnt()
    kinds = [k for _, k in run(detector, [SHIFTED] * 20 + [NORMAL] * 25, t0=4.0)]
    assert kinds == [TamperKind.MOVED, TamperKind.MOVED_RESTORED]


def test_a_global_light_change_is_not_tamper() -> None:
    detector = learnt()
    frames = [cv2.convertScaleAbs(NORMAL, alpha=a) for a in np.linspace(1.0, 0.5, 20)] + [
        cv2.convertScaleAbs(NORMAL, alpha=1.4)
    ] * 15
    assert run(detector, frames, t0=4.0) == []


def test_debounced_needs_the_condition_to_hold_both_ways() -> None:
    condition = Debounced(raise_after_s=2, clear_after_s=3)
    assert condition.update(True, False, 0.0) is None
    assert condition.update(True, False, 1.9) is None
    assert condition.update(True, False, 2.0) is Change.RAISED
    assert condition.update(False, True, 3.0) is None
    assert condition.update(False, False, 4.0) is None  # between thresholds: the clock restarts
    assert condition.update(False, True, 5.0) is None
    assert condition.update(False, True, 8.0) is Change.CLEARED


def test_a_stream_that_goes_silent_is_lost_once_and_restored_by_the_next_frame() -> None:
    watchdog = StreamWatchdog(timeout_s=10, started_t=100.0)
    assert watchdog.frame(101.0) == []
    assert watchdog.check(110.9) == []
    (lost,) = watchdog.check(111.0)
    assert lost.kind is TamperKind.STREAM_LOST and watchdog.lost
    assert watchdog.check(130.0) == []  # once
    (restored,) = watchdog.frame(131.0)
    assert restored.kind is TamperKind.STREAM_RESTORED and not watchdog.lost


def test_a_stream_that_never_delivers_is_lost_after_the_timeout_from_start() -> None:
    watchdog = StreamWatchdog(timeout_s=5, started_t=0.0)
    assert [e.kind for e in watchdog.check(5.0)] == [TamperKind.STREAM_LOST]
