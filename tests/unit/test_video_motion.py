"""Motion detection, blobs and tracking on small synthetic frames."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from hub.video import tracking
from hub.video.blobs import _LOG_LEVELS, Blob, find_blobs, is_lighting_change, split_side_by_side
from hub.video.frames import to_analysis_gray
from hub.video.motion import MotionDetector, median_picture
from hub.video.tracking import ObjectTracker

RNG = np.random.default_rng(3)
GROUND = np.clip(120 + RNG.normal(0, 8, (180, 320)), 0, 255).astype(np.uint8)
FPS = 5.0


def scene(t: float, box_at: tuple[int, int] | None = None, gain: float = 1.0, noise: int = 0) -> np.ndarray:
    frame = GROUND.copy()
    if box_at is not None:
        x, y = box_at
        frame[y : y + 30, x : x + 12] = 40  # a dark person-sized box
    frame = cv2.convertScaleAbs(frame, alpha=gain)
    if noise:
        jitter = np.random.default_rng(int(t * 100)).normal(0, noise, frame.shape)
        frame = np.clip(frame + jitter, 0, 255).astype(np.uint8)
    return frame


def test_the_median_picture_is_numpys_median_for_odd_and_even_counts() -> None:
    rng = np.random.default_rng(5)
    for count in (1, 2, 3, 10, 11):
        pictures = [rng.integers(0, 256, (9, 13), dtype=np.uint8) for _ in range(count)]
        expected = np.median(np.stack(pictures), axis=0).astype(np.float32)
        assert np.array_equal(median_picture(pictures), expected), count


def learnt_detector(seconds: float = 3.0) -> tuple[MotionDetector, float]:
    detector = MotionDetector()
    t = 0.0
    while t < seconds:
        detector.detect(scene(t), t)
        t += 1 / FPS
    return detector, t


def test_no_motion_is_reported_while_the_background_is_learnt() -> None:
    detector = MotionDetector()
    masks = [detector.detect(scene(i / FPS, box_at=(10 + 5 * i, 50)), i / FPS) for i in range(5)]
    assert all(cv2.countNonZero(m) == 0 for m in masks) and detector.learning


def test_a_moving_object_shows_where_it_is() -> None:
    detector, t = learnt_detector()
    mask = detector.detect(scene(t, box_at=(100, 60)), t)
    (blob,) = find_blobs(mask, 50)
    assert abs(blob.x - 100) <= 3 and abs(blob.y - 60) <= 3 and abs(blob.h - 30) <= 6


def test_a_still_scene_with_sensor_noise_shows_no_motion() -> None:
    detector, t = learnt_detector()
    for i in range(20):
        mask = detector.detect(scene(t + i / FPS, noise=4), t + i / FPS)
        assert find_blobs(mask, 50) == []


def test_a_uniform_light_change_is_not_motion() -> None:
    detector, t = learnt_detector()
    for i, gain in enumerate((0.9, 0.75, 0.6, 1.3)):
        mask = detector.detect(scene(t + i / FPS, gain=gain), t + i / FPS)
        assert find_blobs(mask, 50) == [], f"gain {gain}"


def test_a_change_of_the_whole_scene_relearns_instead_of_reporting_a_giant_object() -> None:
    detector, t = learnt_detector()
    other = np.tile(np.linspace(20, 240, 320), (180, 1)).astype(np.uint8)  # another scene altogether
    mask = detector.detect(other, t)
    assert cv2.countNonZero(mask) == 0 and detector.scene_changed and detector.learning


def test_a_ghost_of_someone_who_stood_through_the_warm_up_is_absorbed_while_someone_standing_stays() -> None:
    detector = MotionDetector()
    t = 0.0
    while t < 3.0:  # learnt with someone standing at (100, 60) throughout
        detector.detect(scene(t, box_at=(100, 60)), t)
        t += 1 / FPS
    ghost = (slice(60, 90), slice(100, 112))
    standing = (slice(100, 130), slice(200, 212))
    masks = []
    for _ in range(40):  # they have left; someone else stands at (200, 100) for 8 s
        frame = scene(t)
        frame[standing] = 40
        masks.append(detector.detect(frame, t))
        t += 1 / FPS
    assert cv2.countNonZero(masks[0][ghost]) > 0.8 * 30 * 12  # at first, the ghost shows as motion
    assert cv2.countNonZero(masks[-1][ghost]) == 0
    assert all(cv2.countNonZero(m[standing]) > 0.8 * 30 * 12 for m in masks)


def test_no_ghost_is_absorbed_while_the_picture_cannot_be_trusted() -> None:
    detector = MotionDetector()
    t = 0.0
    while t < 3.0:
        detector.detect(scene(t, box_at=(100, 60)), t)
        t += 1 / FPS
    for _ in range(40):
        mask = detector.detect(scene(t), t, absorb_ghosts=False)  # e.g. a tamper is suspected
        t += 1 / FPS
    assert cv2.countNonZero(mask[60:90, 100:112]) > 0.8 * 30 * 12


def test_a_soft_light_patch_is_recognised_as_light_and_a_person_as_an_object() -> None:
    background = GROUND
    ys, xs = np.ogrid[:180, :320]
    beam = 1 + 0.8 * np.exp(-(((xs - 160) ** 2) / (2 * 35**2) + ((ys - 120) ** 2) / (2 * 18**2)))
    lit = np.clip(background * beam, 0, 255).astype(np.uint8)
    assert is_lighting_change(lit, background, Blob(110, 95, 100, 50))
    person = scene(0, box_at=(150, 100))
    assert not is_lighting_change(person, background, Blob(148, 98, 16, 34))


def test_the_light_check_takes_the_same_logs_from_its_table_as_cv2_log_gives_at_any_width() -> None:
    # cv2.log runs vectorised over most of a row and element by element over its tail: the table must match both.
    rng = np.random.default_rng(7)
    for width in (1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100):
        picture = rng.integers(0, 256, (5, width), dtype=np.uint8)
        assert np.array_equal(_LOG_LEVELS.take(picture), cv2.log(picture.astype(np.float32) + 8)), width


def test_analysis_frames_are_at_most_320_pixels_wide_and_grey() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    gray = to_analysis_gray(frame)
    assert gray.shape == (180, 320) and gray.dtype == np.uint8


@pytest.mark.parametrize(
    "size", [(640, 360), (704, 576), (960, 540), (1280, 720), (1920, 1080), (2688, 1520), (1277, 719), (1285, 720)]
)
def test_analysis_frames_are_the_nearest_resize_of_the_frame_whatever_its_size(size: tuple[int, int]) -> None:
    """Sampled without a resize where every n-th pixel is what the resize takes (not at 704 or 2688 wide, say): the
    same picture either way, colour or grey."""
    width, height = size
    stride = math.ceil(width / 320)
    small = (math.ceil(width / stride), math.ceil(height / stride))
    rng = np.random.default_rng(width)
    for frame in (rng.integers(0, 256, (height, width, 3), np.uint8), rng.integers(0, 256, (height, width), np.uint8)):
        resized = cv2.resize(frame, small, interpolation=cv2.INTER_NEAREST)
        expected = cv2.blur(cv2.cvtColor(resized, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else resized, (3, 3))
        gray = to_analysis_gray(frame)
        assert np.array_equal(gray, expected) and gray.flags.c_contiguous


def test_a_tracked_object_keeps_its_id_while_it_moves() -> None:
    tracker = ObjectTracker()
    ids = set()
    for i in range(10):
        tracks = tracker.update([(20.0 + 6 * i, 50.0, 12.0, 30.0)], i / FPS)
        ids |= {track.id for track in tracks}
    assert len(ids) == 1


def test_a_flicker_seen_once_or_twice_never_becomes_a_track() -> None:
    tracker = ObjectTracker()
    assert tracker.update([(50.0, 50.0, 10.0, 10.0)], 0.0) == []
    assert tracker.update([(200.0, 120.0, 10.0, 10.0)], 0.2) == []
    assert tracker.update([(120.0, 20.0, 10.0, 10.0)], 0.4) == []


def test_a_confirmed_track_coasts_through_a_short_occlusion_and_keeps_its_id() -> None:
    tracker = ObjectTracker()
    for i in range(5):
        (track,) = tracker.update([(20.0 + 6 * i, 50.0, 12.0, 30.0)], i / FPS) or [None]
    assert track is not None
    first_id = track.id
    coasting = tracker.update([], 5 / FPS)
    assert [t.id for t in coasting] == [first_id] and not coasting[0].seen_now
    (again,) = tracker.update([(20.0 + 6 * 6, 50.0, 12.0, 30.0)], 6 / FPS)
    assert again.id == first_id


def test_two_objects_walking_apart_keep_separate_ids() -> None:
    tracker = ObjectTracker()
    for i in range(8):
        tracks = tracker.update([(100.0 - 6 * i, 50.0, 12.0, 30.0), (120.0 + 6 * i, 52.0, 12.0, 30.0)], i / FPS)
    left, right = sorted(tracks, key=lambda t: t.box[0])
    assert left.id != right.id and left.box[0] < 60 and right.box[0] > 160


def test_the_minimum_object_size_shrinks_with_perspective_towards_the_top() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[50:64, 100:107] = 255  # 7×14 px far up the view: a person 28 px tall at 640×360
    mask[150:164, 200:207] = 255  # the same size at the bottom: noise there
    assert find_blobs(mask, 115) == []
    assert find_blobs(mask, 115, far_scale=0.6) == [Blob(100, 50, 7, 14)]


def test_two_people_side_by_side_are_split_at_the_gap_and_keep_their_own_feet() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[100:130, 100:111] = 255  # one person, 11×30
    mask[102:133, 112:123] = 255  # the other, a step lower, touching at the shoulder
    mask[110:112, 111:112] = 255
    (pair,) = find_blobs(mask, 50)
    left, right = split_side_by_side(mask, pair, aspect=0.4)
    assert left.x + left.w <= 112 and right.x >= 111
    assert left.y + left.h == 130 and right.y + right.h == 133


def test_one_person_is_not_split() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[100:130, 100:112] = 255
    (person,) = find_blobs(mask, 50)
    assert split_side_by_side(mask, person, aspect=0.4) == [person]


def test_blobs_are_split_where_they_are_found_when_each_part_would_be_an_object() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[100:130, 100:111] = 255  # two people 11×30 side by side: each passes the 115 px² minimum
    mask[102:133, 112:123] = 255
    mask[110:112, 111:112] = 255
    assert len(find_blobs(mask, 115, person_aspect=0.4)) == 2
    assert len(find_blobs(mask, 115)) == 1


def test_a_person_with_a_bag_at_their_side_is_not_split_into_two() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[100:130, 100:111] = 255  # a person, 11×30
    mask[115:128, 111:121] = 255  # a bag held at the hip: as wide as a second person, half as tall
    (blob,) = find_blobs(mask, 50)
    assert split_side_by_side(mask, blob, aspect=0.4) == [blob]


def test_a_blob_two_people_merge_into_is_followed_by_the_one_whose_feet_it_stands_on() -> None:
    tracker = ObjectTracker()
    for i in range(5):  # one walks up behind another who stands: the boxes touch, then merge into one
        tracker.update([(100.0, 65.0, 12.0, 30.0), (100.0, 110.0 - 2 * i, 12.0, 30.0)], i / FPS)
    below = next(
        t for t in tracker.update([(100.0, 65.0, 12.0, 30.0), (100.0, 100.0, 12.0, 30.0)], 1.0) if t.box[1] == 100.0
    )
    tracks = tracker.update([(100.0, 65.0, 12.0, 63.0)], 1.2)  # the merged blob's bottom is the walker's feet
    (follower,) = [t for t in tracks if t.seen_now]
    assert follower.id == below.id


def test_a_wide_blob_too_low_for_a_person_of_its_height_is_not_split() -> None:
    mask = np.zeros((180, 320), np.uint8)
    mask[150:160, 100:130] = 255  # 30×10: an object, but a 4×10 "person" would be noise: one blob
    assert find_blobs(mask, 115, person_aspect=0.4) == [Blob(100, 150, 30, 10)]


def test_few_tracks_are_paired_in_python_exactly_as_many_are_in_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    for _ in range(300):
        tracker = ObjectTracker()
        least = np.array([0, 0, 4, 8])  # x, y, w, h: boxes at least 4 × 8
        boxes = [tuple(float(v) for v in rng.integers(0, 60, 4) + least) for _ in range(rng.integers(1, 7))]
        tracker.update(boxes, 0.0)
        tracker.update([(x + rng.normal(0, 3), y + rng.normal(0, 3), w, h) for x, y, w, h in boxes], 0.2)
        moved = [(x + rng.normal(0, 6), y + rng.normal(0, 6), w, h) for x, y, w, h in boxes]
        few = tracker._candidate_pairs(moved, 0.2)
        monkeypatch.setattr(tracking, "_FEW_PAIRS", 0)
        assert tracker._candidate_pairs(moved, 0.2) == few
        monkeypatch.undo()
