"""Tamper: the lens covered or sprayed, the camera moved, the picture defocused.

* Covered or sprayed: the picture's contrast collapses (grey-level standard deviation), whatever its brightness —
  a night scene is dark but still has contrast.
* Moved: the scene's coarse layout (a 64×36 blurred thumbnail) no longer correlates with the reference. Being
  normalised, the correlation ignores brightness and contrast changes; being coarse, it ignores people passing
  and a defocused lens.
* Defocused: sharpness (variance of the Laplacian over variance of the picture, so that a darker or brighter
  scene keeps its sharpness) falls far below the reference while the layout still matches.

The reference is taken once the camera has run for a moment and refreshed while the picture is healthy, so that
slow changes (dusk, seasons) are followed while sudden ones are reported. Each condition is debounced both ways.
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
    moved_correlation: float = 0.5
    unmoved_correlation: float = 0.75
    defocused_ratio: float = 0.3  # sharpness / reference sharpness below this → defocused
    focused_ratio: float = 0.55
    raise_after_s: float = 2.0
    clear_after_s: float = 3.0
    check_every_s: float = 0.5  # sharpness and layout are dearer than contrast: measured this often
    reference_after_s: float = 2.0
    reference_refresh_s: float = 300.0


@dataclass(frozen=True, slots=True)
class TamperEvent:
    kind: TamperKind
    t: float
    measure: float  # the measurement that decided: contrast, correlation or sharpness ratio


@dataclass(frozen=True, slots=True)
class _Reference:
    layout: np.ndarray  # zero-mean, unit-norm float32 thumbnail
    sharpness: float
    t: float


_LAYOUT_SIZE = (64, 36)


def layout_of(gray: np.ndarray) -> np.ndarray:
    thumb = cv2.GaussianBlur(cv2.resize(gray, _LAYOUT_SIZE, interpolation=cv2.INTER_AREA), (5, 5), 0)
    vector = thumb.astype(np.float32).ravel()
    vector -= vector.mean()
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-6 else vector


def sharpness_of(gray: np.ndarray) -> float:
    """High-frequency energy relative to contrast: independent of the scene's gain, falls when defocused."""
    _, laplacian_std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))
    _, std = cv2.meanStdDev(gray)
    return (float(laplacian_std[0][0]) / max(float(std[0][0]), 1.0)) ** 2


class TamperDetector:
    def __init__(self, settings: TamperSettings | None = None) -> None:
        s = self.settings = settings or TamperSettings()
        self._covered = Debounced(s.raise_after_s, s.clear_after_s)
        self._moved = Debounced(s.raise_after_s, s.clear_after_s)
        self._defocused = Debounced(s.raise_after_s, s.clear_after_s)
        self._reference: _Reference | None = None
        self._started_t: float | None = None
        self._next_check_t = 0.0

    @property
    def active(self) -> set[TamperKind]:
        flags = (
            (self._covered, TamperKind.COVERED),
            (self._moved, TamperKind.MOVED),
            (self._defocused, TamperKind.DEFOCUSED),
        )
        return {kind for condition, kind in flags if condition.active}

    def update(self, gray: np.ndarray, t: float) -> list[TamperEvent]:
        s = self.settings
        if self._started_t is None:
            self._started_t = t
        contrast = float(cv2.meanStdDev(gray)[1][0][0])
        events = self._changes(
            self._covered, contrast < s.covered_std, contrast > s.uncovered_std, t, TamperKind.COVERED, contrast
        )
        if self._covered.active or self._covered.pending or t < self._next_check_t:
            return events  # a covered lens hides whether the camera moved or lost focus
        self._next_check_t = t + s.check_every_s

        layout, sharpness = layout_of(gray), sharpness_of(gray)
        reference = self._reference
        if reference is None:
            if t - self._started_t >= s.reference_after_s:
                self._reference = _Reference(layout, sharpness, t)
            return events
        correlation = float(np.dot(layout, reference.layout))
        ratio = sharpness / max(reference.sharpness, 1e-6)
        same_view = correlation >= s.moved_correlation
        events += self._changes(
            self._moved, not same_view, correlation > s.unmoved_correlation, t, TamperKind.MOVED, correlation
        )
        events += self._changes(
            self._defocused, same_view and ratio < s.defocused_ratio, ratio > s.focused_ratio, t,
            TamperKind.DEFOCUSED, ratio,
        )  # fmt: skip
        healthy = not (self.active or self._moved.pending or self._defocused.pending)
        if healthy and correlation > 0.85 and ratio > s.focused_ratio and t - reference.t >= s.reference_refresh_s:
            self._reference = _Reference(layout, sharpness, t)
        return events

    @staticmethod
    def _changes(
        condition: Debounced, bad: bool, good: bool, t: float, kind: TamperKind, measure: float
    ) -> list[TamperEvent]:
        change = condition.update(bad, good, t)
        if change is None:
            return []
        restored = TamperKind(f"{kind.value}_restored")
        return [TamperEvent(kind if change is Change.RAISED else restored, t, measure)]
