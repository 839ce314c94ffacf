"""Tamper: the lens covered or sprayed, the camera moved, the picture defocused.

* Covered or sprayed: the picture's contrast collapses (grey-level standard deviation), whatever its brightness —
  a night scene is dark but still has contrast. Measured every frame, so it is raised within about a second.
* Moved: the view is registered against the reference by phase correlation of coarse thumbnails (64×36): a
  camera knocked or panned shows as a shift of the whole picture, which people passing, light changes and a
  defocused lens do not produce (phase correlation ignores gain and contrast; blur keeps the phase). A view
  turned so far that it no longer registers at all shows as a collapse of the thumbnails' normalised correlation.
  One threshold each way, no dead band between raise and clear: a knocked camera cannot settle in between.
  People are kept out of it: what moves is filled in from the reference (learnt from the people-free
  background), unless it covers most of the reference's structure (then the view itself moved). Known limit: a
  crowd standing still on a featureless floor, being most of the structure, can look like another view.
* Defocused: sharpness (variance of the Laplacian over variance of the picture, so that a darker or brighter
  scene keeps its sharpness) falls far below the reference's while the view still registers.

The reference is taken once the camera has shown a stable picture for a moment, and refreshed only from a
stable, un-tampered view that registers with the old one: a sudden change is reported, never learnt. Each
condition is debounced both ways, briefly: raised and restored within about a second of holding.

Cadence: the view (registration, sharpness) is measured once a second while nothing is pending, every 0.4 s while
a change is, and at once when much more of the picture moves than at the last measurement (how a knock, pan or blur
begins): raised or restored within 1.8 s of onset at worst, within about 1 s when it starts so.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hub.video.detections import TamperKind
from hub.video.hysteresis import FRAME_TIME_TOLERANCE_S, Change, Debounced


@dataclass(frozen=True, slots=True)
class TamperSettings:
    covered_std: float = 9.0  # contrast below this → covered
    uncovered_std: float = 15.0  # … above this → uncovered
    moved_shift: float = 0.025  # the view registers this far (fraction of the width) from the reference → moved
    moved_correlation: float = 0.45  # or correlates this little with it (turned out of registration) → moved
    defocused_ratio: float = 0.3  # sharpness / reference sharpness below this → defocused
    focused_ratio: float = 0.55
    raise_after_s: float = 0.8
    clear_after_s: float = 0.8
    # Registration and sharpness are dearer than contrast: measured this often while nothing is pending, and every
    # `confirm_every_s` while a change is pending (or no reference is learnt yet): a change is then seen within
    # `check_every_s` of its onset and decided `raise_after_s` (or `clear_after_s`) later on three agreeing
    # measurements, within 1.8 s of onset at these defaults (checking every 0.5 s took as long: its pending checks
    # came at the same slow pace).
    check_every_s: float = 1.0
    confirm_every_s: float = 0.4
    stable_for_s: float = 2.0  # a reference is taken from a picture stable this long (successive checks agree)
    reference_refresh_s: float = 60.0  # … and refreshed at most this often


@dataclass(frozen=True, slots=True)
class TamperEvent:
    kind: TamperKind
    t: float
    measure: float  # the measurement that decided: contrast, shift, correlation or sharpness ratio


_THUMB_SIZE = (64, 36)
_WINDOW = cv2.createHanningWindow(_THUMB_SIZE, cv2.CV_32F)


def thumbnail_sample(picture: np.ndarray) -> np.ndarray:
    """The pixels of a picture a thumbnail is made of. The analysis frame is already smoothed: sampling every n-th
    pixel (and a light blur, in `View`) makes the thumbnail at a tenth of the cost of an area resize. Sampling
    commutes with per-pixel selection, so a picture patched from two others can be sampled from their samples."""
    height, width = picture.shape[:2]
    step_y, step_x = max(height // _THUMB_SIZE[1], 1), max(width // _THUMB_SIZE[0], 1)
    sampled = picture[: step_y * _THUMB_SIZE[1] : step_y, : step_x * _THUMB_SIZE[0] : step_x]
    if sampled.shape[::-1] != _THUMB_SIZE:
        sampled = cv2.resize(sampled, _THUMB_SIZE, interpolation=cv2.INTER_NEAREST)
    return sampled


@dataclass(frozen=True, slots=True)
class View:
    """A picture's coarse layout: a thumbnail for registration and its zero-mean, unit-norm vector."""

    thumb: np.ndarray  # float32, _THUMB_SIZE
    layout: np.ndarray

    @classmethod
    def of(cls, gray: np.ndarray) -> View:
        return cls.of_sample(thumbnail_sample(gray))

    @classmethod
    def of_sample(cls, sampled: np.ndarray) -> View:
        """The view of a `thumbnail_sample`."""
        thumb = cv2.GaussianBlur(sampled.astype(np.float32), (3, 3), 0)
        # `thumb.mean()` and `np.linalg.norm(vector)` as numpy works them out (a float32 sum over the size; the root
        # of the vector's dot with itself), without their Python wrappers' overhead: this runs on every check.
        vector = thumb.ravel() - float(np.add.reduce(thumb, axis=None) / thumb.size)
        norm = float(np.sqrt(vector.dot(vector)))
        return cls(thumb, vector / norm if norm > 1e-6 else vector)

    def registration(self, reference: View) -> tuple[float, float]:
        """(shift as a fraction of the width, normalised correlation at zero shift) against `reference`."""
        (dx, dy), _ = cv2.phaseCorrelate(reference.thumb, self.thumb, _WINDOW)
        return float(np.hypot(dx, dy)) / _THUMB_SIZE[0], float(np.dot(self.layout, reference.layout))


def percentile_u8(picture: np.ndarray, q: float) -> float:
    """`np.percentile(picture, q)` (linear interpolation) of an 8-bit picture, from its histogram: ~0.1 ms on a
    320×180 picture where `np.percentile` sorts it in ~5 ms."""
    below = np.bincount(picture.ravel(), minlength=256).cumsum()  # pixels at or below each level
    position = q / 100 * (picture.size - 1)
    lower = int(position)
    low = int(np.searchsorted(below, lower, side="right"))
    high = int(np.searchsorted(below, min(lower + 1, picture.size - 1), side="right"))
    return low + (position - lower) * (high - low)


def sharpness_of(gray: np.ndarray) -> float:
    """High-frequency energy relative to contrast: independent of the scene's gain, falls when defocused. Every
    other row is enough to compare a picture with its reference, at half the cost."""
    _, laplacian_std = cv2.meanStdDev(cv2.Laplacian(gray[::2], cv2.CV_16S))
    _, std = cv2.meanStdDev(gray)
    return (float(laplacian_std[0][0]) / max(float(std[0][0]), 1.0)) ** 2


# Motion over this share of the reference's strongest edges is more than a crowd (measured up to 0.77 in the plaza
# footage): the view itself moved (0.9 measured on synthetic moves).
_MOVING_STRUCTURE_SHARE = 0.85
# The view is registered again unfilled only when this much of it was filled in: when less was, the two views are
# nearly the same picture and cannot register differently (a small knock hidden by the filling moves the whole
# structure, which then moves in the mask: far more than this).
_UNFILLED_CHECK_SHARE = 0.05
# This much more of the picture moving than at the last measurement (a share of the frame) makes a measurement due at
# once. A knock, pan or blur moves 9-28 % of the synthetic scenes' frames at once; a crowd's share drifts (plaza: 1 %
# or less within 1 s in nine cases out of ten, at most 13 %, when the background comes back after a scene change).
_SUDDEN_MOTION_SHARE = 0.05
# Successive views alike to this degree: the picture holds still (nobody, or people standing).
_STILL_CORRELATION = 0.97


@dataclass(slots=True)
class _Reference:
    view: View
    picture: np.ndarray  # the grey picture the view was taken from: fills in where people move
    picture_sample: np.ndarray  # its `thumbnail_sample`
    edges: np.ndarray  # its structure: 255 on its strongest edges
    edge_total: float
    sharpness: float
    t: float

    @classmethod
    def of(cls, picture: np.ndarray, view: View, sharpness: float, t: float) -> _Reference:
        # Structure: the strongest tenth of the coarse edges (texture and noise are everywhere, and say nothing).
        edges = cv2.convertScaleAbs(cv2.Laplacian(cv2.GaussianBlur(picture, (5, 5), 0), cv2.CV_16S))
        _, strong = cv2.threshold(edges, percentile_u8(edges, 90), 255, cv2.THRESH_BINARY)
        own = picture.copy()
        edge_total = max(float(cv2.countNonZero(strong)), 1.0)
        return cls(view, own, thumbnail_sample(own), strong, edge_total, sharpness, t)

    def fill_moving(self, gray: np.ndarray, sampled: np.ndarray, moving: np.ndarray | None) -> tuple[np.ndarray, float]:
        """The `thumbnail_sample` of the picture with what moves in it (people) taken from the reference, so that
        a crowd does not look like another view, and the share of the sample so filled in. Nothing is filled in
        (`sampled` itself, 0.0) when the moving parts hold most of the reference's structure, for then the view
        has moved (a move leaves only featureless areas unchanged) and filling them in would hide it."""
        if moving is None or moving.shape != gray.shape or self.picture.shape != gray.shape:
            return sampled, 0.0
        moving_share = cv2.countNonZero(cv2.bitwise_and(self.edges, moving)) / self.edge_total
        if moving_share >= _MOVING_STRUCTURE_SHARE:
            return sampled, 0.0
        fill = thumbnail_sample(moving)
        filled_share = np.count_nonzero(fill) / fill.size  # numpy: `fill` is a strided view, which OpenCV would copy
        if not filled_share:
            return sampled, 0.0
        return np.where(fill != 0, self.picture_sample, sampled), filled_share


class TamperDetector:
    def __init__(self, settings: TamperSettings | None = None) -> None:
        s = self.settings = settings or TamperSettings()
        self._covered = Debounced(s.raise_after_s, s.clear_after_s)
        self._moved = Debounced(s.raise_after_s, s.clear_after_s)
        self._defocused = Debounced(s.raise_after_s, s.clear_after_s)
        self._reference: _Reference | None = None
        self._last_view: View | None = None
        self._last_raw: View | None = None
        self._stable_since: float | None = None
        self._next_check_t = 0.0
        self._checked_share = 0.0  # the share of the picture moving at the last measurement
        # (a motion mask, the share of it moving): asked by `due` and `update` of the same frame, counted once.
        self._moving_share: tuple[np.ndarray, float] | None = None

    @property
    def active(self) -> set[TamperKind]:
        flags = (
            (self._covered, TamperKind.COVERED),
            (self._moved, TamperKind.MOVED),
            (self._defocused, TamperKind.DEFOCUSED),
        )
        return {kind for condition, kind in flags if condition.active}

    @property
    def suspect(self) -> bool:
        """A tamper is raised, or one is holding and about to be: the picture cannot be trusted for zone rules."""
        covered, moved, defocused = self._covered, self._moved, self._defocused  # asked every frame: no generator
        return (
            covered.active or covered.pending or moved.active or moved.pending or defocused.active or defocused.pending
        )

    def due(self, t: float, moving: np.ndarray | None = None) -> bool:
        """Whether `update` at `t` (with the same `moving`) measures the view, not only the contrast: at the
        cadence (a frame due within a millisecond is due: frame times rarely add up to it to the last bit), or at
        once when much more of the picture moves than at the last measurement (a knock, a pan or a blur starts so;
        the zone rules are then suspended from its next frame rather than up to a cadence later)."""
        if t >= self._next_check_t - FRAME_TIME_TOLERANCE_S:
            return True
        if moving is None or self._reference is None:
            return False
        return self._share_moving(moving) - self._checked_share > _SUDDEN_MOTION_SHARE

    def _share_moving(self, moving: np.ndarray) -> float:
        if self._moving_share is None or self._moving_share[0] is not moving:
            self._moving_share = (moving, cv2.countNonZero(moving) / moving.size)
        return self._moving_share[1]

    def update(
        self, gray: np.ndarray, t: float, moving: np.ndarray | None = None, background: np.ndarray | None = None
    ) -> list[TamperEvent]:
        """`moving` (the last motion mask) and `background` (the learnt picture without passers-by), when given,
        keep people out of the view: in a crowd, people are most of what changes, and they are not the camera."""
        s = self.settings
        contrast = float(cv2.meanStdDev(gray)[1][0][0])
        events = self._changes(
            self._covered, contrast < s.covered_std, contrast > s.uncovered_std, t, TamperKind.COVERED, contrast
        )
        if self._covered.active or self._covered.pending:
            self._stable_since = None
            return events  # a covered lens hides whether the camera moved or lost focus
        if not self.due(t, moving):
            return events
        self._next_check_t = t + s.confirm_every_s  # until the view is measured against a reference
        self._checked_share = 0.0 if moving is None else self._share_moving(moving)

        reference = self._reference
        still = background if background is not None and background.shape == gray.shape else None
        if reference is None:
            # The first reference: the learnt background when there is one (people walk through the frames).
            view = View.of(still if still is not None else gray)
            self._follow_stability(view, t)
            if self._stable_since is not None and t - self._stable_since >= s.stable_for_s:
                self._reference = _Reference.of(still if still is not None else gray, view, sharpness_of(gray), t)
            return events
        sampled = thumbnail_sample(gray)
        filled, filled_share = reference.fill_moving(gray, sampled, moving)
        view = View.of_sample(filled)
        sharpness = sharpness_of(gray)
        self._follow_stability(view, t)
        shift, correlation = view.registration(reference.view)
        same_view = shift <= s.moved_shift and correlation >= s.moved_correlation
        raw_view, last_raw = (view if filled is sampled else View.of_sample(sampled)), self._last_raw
        self._last_raw = raw_view
        holds_still = last_raw is not None and float(np.dot(raw_view.layout, last_raw.layout)) >= _STILL_CORRELATION
        if same_view and filled_share >= _UNFILLED_CHECK_SHARE and holds_still:
            # Filling in what moves can hide a small knock. A view that stays put (unlike a crowd) and registers
            # shifted unfilled is moved all the same.
            raw_shift, raw_correlation = raw_view.registration(reference.view)
            if raw_shift > s.moved_shift:
                same_view, shift, correlation = False, raw_shift, raw_correlation
        ratio = sharpness / max(reference.sharpness, 1e-6)
        events += self._changes(
            self._moved, not same_view, same_view, t, TamperKind.MOVED, shift if shift > s.moved_shift else correlation
        )
        events += self._changes(
            self._defocused, same_view and ratio < s.defocused_ratio, ratio > s.focused_ratio, t,
            TamperKind.DEFOCUSED, ratio,
        )  # fmt: skip
        if not (self._moved.pending or self._defocused.pending):
            self._next_check_t = t + s.check_every_s
        if (
            not self.suspect
            and same_view
            and ratio > s.focused_ratio
            and self._stable_since is not None
            and t - self._stable_since >= s.stable_for_s
            and t - reference.t >= s.reference_refresh_s
        ):
            picture = still if still is not None else gray
            self._reference = _Reference.of(picture, view if still is None else View.of(picture), sharpness, t)
        return events

    def _follow_stability(self, view: View, t: float) -> None:
        """A picture is stable while each check's view closely matches the previous one (a drift too slow to see
        here still has to register with the old reference before it is learnt)."""
        last, self._last_view = self._last_view, view
        if last is None:
            self._stable_since = None
            return
        if float(np.dot(view.layout, last.layout)) >= 0.95:
            self._stable_since = t if self._stable_since is None else self._stable_since
        else:
            self._stable_since = None

    @staticmethod
    def _changes(
        condition: Debounced, bad: bool, good: bool, t: float, kind: TamperKind, measure: float
    ) -> list[TamperEvent]:
        change = condition.update(bad, good, t)
        if change is None:
            return []
        restored = TamperKind(f"{kind.value}_restored")
        return [TamperEvent(kind if change is Change.RAISED else restored, t, measure)]
