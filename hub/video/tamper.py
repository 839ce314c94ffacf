"""Tamper: the lens covered or sprayed, the camera moved, the picture defocused.

* Covered or sprayed: the picture's contrast collapses (grey-level standard deviation), whatever its brightness —
  a night scene is dark but still has contrast. Measured every frame, so it is raised within about a second.
* Moved: the view is registered against the reference by phase correlation of coarse thumbnails (64×36): a
  camera knocked or panned shows as a shift of the whole picture, which people passing, light changes and a
  defocused lens do not produce (phase correlation ignores gain and contrast; blur keeps the phase). A view
  turned so far that it no longer registers at all shows as a collapse of the thumbnails' normalised correlation.
  One threshold each way, no dead band between raise and clear: a knocked camera cannot settle in between.
* Defocused: sharpness (variance of the Laplacian over variance of the picture, so that a darker or brighter
  scene keeps its sharpness) falls far below the reference's while the view still registers.

The reference is taken once the camera has shown a stable picture for a moment, and refreshed only from a
stable, un-tampered view that registers with the old one: a sudden change is reported, never learnt. Each
condition is debounced both ways, briefly: raised and restored within about a second of holding.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hub.video.detections import TamperKind
from hub.video.hysteresis import Change, Debounced


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
    check_every_s: float = 0.4  # registration and sharpness are dearer than contrast: measured this often
    stable_for_s: float = 2.0  # a reference is taken from a picture stable this long (successive checks agree)
    reference_refresh_s: float = 60.0  # … and refreshed at most this often


@dataclass(frozen=True, slots=True)
class TamperEvent:
    kind: TamperKind
    t: float
    measure: float  # the measurement that decided: contrast, shift, correlation or sharpness ratio


_THUMB_SIZE = (64, 36)
_WINDOW = cv2.createHanningWindow(_THUMB_SIZE, cv2.CV_32F)


@dataclass(frozen=True, slots=True)
class View:
    """A picture's coarse layout: a thumbnail for registration and its zero-mean, unit-norm vector."""

    thumb: np.ndarray  # float32, _THUMB_SIZE
    layout: np.ndarray
    sharpness: float

    @classmethod
    def of(cls, gray: np.ndarray) -> View:
        thumb = cv2.GaussianBlur(cv2.resize(gray, _THUMB_SIZE, interpolation=cv2.INTER_AREA), (3, 3), 0)
        thumb = thumb.astype(np.float32)
        vector = thumb.ravel() - float(thumb.mean())
        norm = float(np.linalg.norm(vector))
        return cls(thumb, vector / norm if norm > 1e-6 else vector, sharpness_of(gray))

    def registration(self, reference: View) -> tuple[float, float]:
        """(shift as a fraction of the width, normalised correlation at zero shift) against `reference`."""
        (dx, dy), _ = cv2.phaseCorrelate(reference.thumb, self.thumb, _WINDOW)
        return float(np.hypot(dx, dy)) / _THUMB_SIZE[0], float(np.dot(self.layout, reference.layout))


def sharpness_of(gray: np.ndarray) -> float:
    """High-frequency energy relative to contrast: independent of the scene's gain, falls when defocused."""
    _, laplacian_std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))
    _, std = cv2.meanStdDev(gray)
    return (float(laplacian_std[0][0]) / max(float(std[0][0]), 1.0)) ** 2


@dataclass(slots=True)
class _Reference:
    view: View
    t: float


class TamperDetector:
    def __init__(self, settings: TamperSettings | None = None) -> None:
        s = self.settings = settings or TamperSettings()
        self._covered = Debounced(s.raise_after_s, s.clear_after_s)
        self._moved = Debounced(s.raise_after_s, s.clear_after_s)
        self._defocused = Debounced(s.raise_after_s, s.clear_after_s)
        self._reference: _Reference | None = None
        self._last_view: View | None = None
        self._stable_since: float | None = None
        self._next_check_t = 0.0

    @property
    def active(self) -> set[TamperKind]:
        flags = ((self._covered, TamperKind.COVERED), (self._moved, TamperKind.MOVED))
        flags += ((self._defocused, TamperKind.DEFOCUSED),)
        return {kind for condition, kind in flags if condition.active}

    @property
    def suspect(self) -> bool:
        """A tamper is raised, or one is holding and about to be: the picture cannot be trusted for zone rules."""
        conditions = (self._covered, self._moved, self._defocused)
        return any(c.active or c.pending for c in conditions)

    def update(self, gray: np.ndarray, t: float) -> list[TamperEvent]:
        s = self.settings
        contrast = float(cv2.meanStdDev(gray)[1][0][0])
        events = self._changes(
            self._covered, contrast < s.covered_std, contrast > s.uncovered_std, t, TamperKind.COVERED, contrast
        )
        if self._covered.active or self._covered.pending:
            self._stable_since = None
            return events  # a covered lens hides whether the camera moved or lost focus
        if t < self._next_check_t:
            return events
        self._next_check_t = t + s.check_every_s

        view = View.of(gray)
        self._follow_stability(view, t)
        reference = self._reference
        if reference is None:
            if self._stable_since is not None and t - self._stable_since >= s.stable_for_s:
                self._reference = _Reference(view, t)
            return events
        shift, correlation = view.registration(reference.view)
        ratio = view.sharpness / max(reference.view.sharpness, 1e-6)
        same_view = shift <= s.moved_shift and correlation >= s.moved_correlation
        events += self._changes(
            self._moved, not same_view, same_view, t, TamperKind.MOVED, shift if shift > s.moved_shift else correlation
        )
        events += self._changes(
            self._defocused, same_view and ratio < s.defocused_ratio, ratio > s.focused_ratio, t,
            TamperKind.DEFOCUSED, ratio,
        )  # fmt: skip
        if (
            not self.suspect
            and same_view
            and ratio > s.focused_ratio
            and self._stable_since is not None
            and t - self._stable_since >= s.stable_for_s
            and t - reference.t >= s.reference_refresh_s
        ):
            self._reference = _Reference(view, t)
        return events

    def _follow_stability(self, view: View, t: float) -> None:
        """A picture is stable while each check's view registers with the previous one, unshifted and alike."""
        last, self._last_view = self._last_view, view
        if last is None:
            self._stable_since = None
            return
        shift, correlation = view.registration(last)
        if shift <= self.settings.moved_shift / 4 and correlation >= 0.9:
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
