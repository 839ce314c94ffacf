"""Moving regions of a motion mask as boxes, without the ones that are only light."""

from __future__ import annotations

import itertools
from functools import cache
from typing import NamedTuple

import cv2
import numpy as np

# People side by side stand about as tall as their joint blob (0.79 or more measured on the synthetic pairs); a part
# much shorter is a bag, an arm or someone further back, and cutting it off moves the person's box (plaza: with
# such cuts kept, line-crossing recall 0.7; without, 1.0).
_SIDE_BY_SIDE_HEIGHT = 0.6


class Blob(NamedTuple):
    """A connected moving region, in pixels of the analysis frame. A named tuple (not a dataclass): tens are
    made per frame, and a tuple is made several times faster."""

    x: int
    y: int
    w: int
    h: int

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (float(self.x), float(self.y), float(self.w), float(self.h))


# `_blob(Blob, (x, y, w, h))` is `Blob(x, y, w, h)` without the named tuple's Python-level `__new__`: ~5× faster, for
# the tens of blobs and parts made per frame.
_blob = tuple.__new__
# log(v + 8) of each grey level, as `cv2.log` works it out in float32 (the same values whichever of its code paths an
# element takes: checked on thousands of random pictures): two table lookups instead of converting, adding and
# taking the log of two pictures per light check.
_LOG_LEVELS = cv2.log(np.arange(256, dtype=np.float32) + 8).reshape(256)


def find_blobs(
    mask: np.ndarray, min_area_px: float, far_scale: float = 1.0, person_aspect: float | None = None
) -> list[Blob]:
    """Bounding boxes of the mask's outer contours whose box area is at least the minimum at their foot's row.

    Perspective: a person far up the view is smaller than one near the bottom. The minimum is `min_area_px` for a
    foot on the bottom row and shrinks with the square of the linear size towards `far_scale` of it on the top
    row (1.0: the same everywhere).

    With `person_aspect`, a blob at least 1.5 people of its height wide is split (`split_side_by_side`) when one
    person of its height would pass the minimum: smaller blobs are fragments, and splitting them costs time."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    smallest = _least_areas(mask.shape[0], min_area_px, far_scale)
    aspect = person_aspect or 0.0
    wide = 1.5 * aspect
    blobs = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        least = smallest[y + h]
        if w * h < least:
            continue
        if aspect and w >= wide * h and aspect * h * h >= least:
            blobs += split_side_by_side(mask, _blob(Blob, (x, y, w, h)), aspect)
        else:
            blobs.append(_blob(Blob, (x, y, w, h)))
    return blobs


@cache
def _least_areas(height: int, min_area_px: float, far_scale: float) -> tuple[float, ...]:
    """The minimum box area for a foot on each row 0…`height` (`find_blobs`), worked out once per frame size: the
    same arithmetic as per blob, looked up."""
    areas = []
    for foot in range(height + 1):
        scale = far_scale + (1.0 - far_scale) * foot / height
        areas.append(min_area_px * scale * scale)
    return tuple(areas)


def split_side_by_side(mask: np.ndarray, blob: Blob, aspect: float) -> list[Blob]:
    """A blob as wide as several people of its height standing side by side, split into that many: people who
    walk together are people, not one wide object. Cuts go through the emptiest columns near the even split, and
    each part is trimmed to its own rows, so each part's foot is its person's. When a part is much shorter than the
    blob (a bag, an arm, someone further back), the blob is kept whole."""
    count = round(blob.w / (aspect * blob.h)) if blob.h > 0 else 1
    if count < 2:
        return [blob]
    region = mask[blob.y : blob.y + blob.h, blob.x : blob.x + blob.w]
    # A list: the windows are a few columns, where `np.argmin`'s overhead is most of the cost; `index(min(…))` is
    # the same first lowest column.
    columns = cv2.reduce(region, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)[0].tolist()
    step = blob.w / count
    reach = max(int(step / 3), 1)
    cuts = [0]
    for i in range(1, count):
        centre = round(i * step)
        lo, hi = max(centre - reach, cuts[-1] + 1), min(centre + reach, blob.w - 1)
        if hi > lo:
            window = columns[lo:hi]
            centre = lo + window.index(min(window))
        cuts.append(centre)
    cuts.append(blob.w)
    parts = []
    shortest = _SIDE_BY_SIDE_HEIGHT * blob.h
    for left, right in itertools.pairwise(cuts):
        x, y, w, h = cv2.boundingRect(region[:, left:right])  # the part's own extent
        if w and h:
            if h < shortest:
                return [blob]  # the first short part settles it: the rest need not be measured
            parts.append(_blob(Blob, (blob.x + left + x, blob.y + y, w, h)))
    return parts


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
    frame_part, background_part = gray[y0:y1, x0:x1], background[y0:y1, x0:x1]
    if frame_part.dtype == np.uint8 and background_part.dtype == np.uint8:
        ratio = _LOG_LEVELS.take(frame_part) - _LOG_LEVELS.take(background_part)
    else:
        ratio = cv2.log(frame_part.astype(np.float32) + 8) - cv2.log(background_part.astype(np.float32) + 8)
    sharp = np.abs(ratio - cv2.blur(ratio, (7, 7)))
    return int(np.count_nonzero(sharp > sharp_step)) < 0.3 * (blob.w + blob.h)
