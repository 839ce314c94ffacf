"""Moving regions of a motion mask as boxes, without the ones that are only light."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Blob:
    """A connected moving region, in pixels of the analysis frame."""

    x: int
    y: int
    w: int
    h: int

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (float(self.x), float(self.y), float(self.w), float(self.h))


def find_blobs(mask: np.ndarray, min_area_px: float) -> list[Blob]:
    """Bounding boxes of the mask's outer contours whose box area is at least `min_area_px`."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    blobs = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w * h >= min_area_px:
            blobs.append(Blob(x, y, w, h))
    return blobs


def is_lighting_change(gray: np.ndarray, background: np.ndarray, blob: Blob, sharp_step: float = 0.06) -> bool:
    """True when a blob is light falling on the scene (a headlight beam, a sunlit patch) rather than an object.

    Light multiplies what is there, smoothly: the log-ratio of frame to background varies slowly across a beam.
    An object replaces what is there: the log-ratio jumps at its outline. So count the pixels where the log-ratio
    departs sharply from its local mean, against the blob's perimeter.
    """
    pad = 3
    y0, y1 = max(blob.y - pad, 0), min(blob.y + blob.h + pad, gray.shape[0])
    x0, x1 = max(blob.x - pad, 0), min(blob.x + blob.w + pad, gray.shape[1])
    # +8 keeps dark pixels' sensor noise from looking like sharp ratio changes.
    ratio = cv2.log(gray[y0:y1, x0:x1].astype(np.float32) + 8) - cv2.log(
        background[y0:y1, x0:x1].astype(np.float32) + 8
    )
    sharp = np.abs(ratio - cv2.blur(ratio, (7, 7)))
    return int(np.count_nonzero(sharp > sharp_step)) < 0.3 * (blob.w + blob.h)
