"""Tamper (covered, moved, defocused) with hysteresis, and stream supervision from frame content and times."""

from __future__ import annotations

import cv2
import numpy as np

from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.detections import TamperKind
from hub.video.hysteresis import Change, Debounced
from hub.video.stream import FreshFrames, StreamWatchdog
from hub.video.tamper import TamperDetector, View, percentile_u8
from simulators.camera.render import MovedCamera, Scene, SceneRenderer

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
    assert 4.5 <= events[0][0] <= 5.2  # held 0.8 s: raised within about a second of the onset
    assert 7.0 + 0.5 <= events[1][0] <= 7.0 + 1.2  # the same for the restore


def test_a_brief_cover_does_not_raise() -> None:
    detector = learnt()
    assert run(detector, [COVERED] * 3 + [NORMAL] * 10, t0=4.0) == []


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


def view_of(effect: MovedCamera) -> np.ndarray:
    return gray(SceneRenderer(Scene(seed=5, effects=(effect,))).frame(0.0))


def test_a_knock_that_still_half_matches_the_view_is_raised_and_restored() -> None:
    detector = learnt()
    knocked = view_of(MovedCamera(0.0, dx=0.15, dy=0.10, degrees=4.0))
    events = run(detector, [knocked] * 10 + [NORMAL] * 10, t0=4.0)
    assert [kind for _, kind in events] == [TamperKind.MOVED, TamperKind.MOVED_RESTORED]
    assert events[0][0] <= 4.0 + 2.0 and events[1][0] <= 6.0 + 2.0


def test_a_pan_is_raised_although_the_view_looks_alike() -> None:
    detector = learnt()
    panned = view_of(MovedCamera(0.0, dx=0.3, dy=0.0, degrees=0.0))
    assert [kind for _, kind in run(detector, [panned] * 10, t0=4.0)] == [TamperKind.MOVED]


def test_a_moved_view_held_for_long_is_never_learnt_as_the_reference() -> None:
    detector = learnt()
    panned = view_of(MovedCamera(0.0, dx=0.3, dy=0.0, degrees=0.0))
    events = run(detector, [panned] * 5 * 130 + [NORMAL] * 10, t0=4.0)  # over two reference refresh periods
    assert [kind for _, kind in events] == [TamperKind.MOVED, TamperKind.MOVED_RESTORED]


def test_a_lights_on_step_and_defocus_are_not_a_moved_camera() -> None:
    detector = learnt()
    lit = cv2.convertScaleAbs(NORMAL, alpha=1.4)
    events = run(detector, [lit] * 10 + [BLURRED] * 10 + [NORMAL] * 10, t0=4.0)
    assert [kind for _, kind in events] == [TamperKind.DEFOCUSED, TamperKind.DEFOCUSED_RESTORED]


def test_the_tamper_is_suspect_from_onset_until_restored() -> None:
    detector = learnt()
    run(detector, [COVERED], t0=4.0)
    assert detector.suspect and not detector.active
    run(detector, [COVERED] * 5, t0=4.2)
    assert detector.active == {TamperKind.COVERED}
    run(detector, [NORMAL] * 10, t0=5.2)
    assert not detector.suspect


def test_a_move_is_raised_within_two_seconds_of_its_onset_whatever_the_phase_of_the_checks() -> None:
    """Settled, the view is measured once a second; a pending change is confirmed every 0.4 s: raised by 1.8 s."""
    for phase in range(6):
        detector = learnt()
        run(detector, [NORMAL] * phase, t0=4.0)
        onset = 4.0 + phase / FPS
        events = run(detector, [SHIFTED] * 12, t0=onset)
        assert events[:1] == [(events[0][0], TamperKind.MOVED)] and events[0][0] - onset <= 1.8 + 1e-6, phase


def test_much_more_of_the_picture_moving_than_at_the_last_check_makes_a_check_due_at_once() -> None:
    detector = learnt()
    t = 4.0
    while not detector.due(t):  # up to the next check on the cadence
        run(detector, [NORMAL], t0=t)
        t += 1 / FPS
    still = np.zeros_like(NORMAL)
    run(detector, [NORMAL], t0=t)  # this check: nothing moves
    t += 1 / FPS
    drifting, sudden = still.copy(), still.copy()
    drifting[:, :8] = 255  # under 5 % of the frame more
    sudden[:, : NORMAL.shape[1] // 5] = 255  # a fifth of it at once (a knock moves a quarter of the synthetic scenes)
    assert not detector.due(t, still) and not detector.due(t, drifting)
    assert detector.due(t, sudden)


def test_a_change_held_for_the_time_to_within_frame_time_rounding_is_raised() -> None:
    condition = Debounced(raise_after_s=0.8, clear_after_s=0.8)
    t0 = 1764876000.0  # frame times on top of an epoch: (t0 + 4 / 5) - t0 is 0.79999995
    assert condition.update(True, False, t0) is None
    assert condition.update(True, False, t0 + 4 / 5) is Change.RAISED


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


def test_a_repeated_picture_does_not_keep_the_stream_alive() -> None:
    fresh = FreshFrames()
    watchdog = StreamWatchdog(timeout_s=3, started_t=0.0)
    assert fresh.is_fresh(NORMAL) and watchdog.frame(0.2, True) == []
    frozen = [watchdog.frame(0.2 + i / FPS, fresh.is_fresh(NORMAL.copy())) for i in range(1, 20)]
    lost = [event.kind for events in frozen for event in events]
    assert lost == [TamperKind.STREAM_LOST]
    other = gray(SceneRenderer(Scene(seed=5)).frame(0.04))  # the next noise frame: a new picture
    (restored,) = watchdog.frame(4.5, fresh.is_fresh(other))
    assert restored.kind is TamperKind.STREAM_RESTORED


def test_a_frame_whose_stream_timestamp_did_not_advance_is_stale() -> None:
    fresh = FreshFrames()
    other = gray(SceneRenderer(Scene(seed=5)).frame(0.04))
    assert fresh.is_fresh(NORMAL, 1000.0)
    assert not fresh.is_fresh(other, 1000.0)
    assert fresh.is_fresh(NORMAL, 1200.0)
    fresh.restart()  # a reconnection: timestamps start again
    assert fresh.is_fresh(other, 40.0)


def test_a_view_is_the_thumbnail_less_its_mean_over_its_norm_as_numpy_works_them_out() -> None:
    rng = np.random.default_rng(8)
    for scale in (3.0, 40.0, 255.0):
        view = View.of_sample((rng.random((36, 64)) * scale).astype(np.uint8))
        centred = view.thumb.ravel() - float(view.thumb.mean())
        assert np.array_equal(view.layout, centred / float(np.linalg.norm(centred)))


def test_the_histogram_percentile_is_numpys_percentile() -> None:
    rng = np.random.default_rng(7)
    for high in (1, 2, 40, 256):
        picture = rng.integers(0, high, (37, 53), dtype=np.uint8)
        for q in (0, 10, 50, 90, 100):
            assert abs(percentile_u8(picture, q) - np.percentile(picture, q)) < 1e-9, (high, q)


def test_the_analyzer_does_not_search_a_covered_picture_for_objects() -> None:
    analyzer = CameraAnalyzer(AnalyzerSettings())
    textured = np.random.default_rng(2).integers(0, 255, (180, 320), dtype=np.uint8)
    analyzer.analyze(textured, 0.0)
    assert analyzer.searched_objects
    analyzer.analyze(np.full((180, 320), 24, np.uint8), 0.2)  # a hand over the lens: suspected at once
    assert not analyzer.searched_objects
