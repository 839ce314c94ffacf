"""Moving regions of a motion mask as boxes, without the ones that are only light."""

from __future__ import annotations

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
# OpenCV's functions and flags as module globals: looked up once, not per blob and part (tens a frame).
_bounding_rect, _reduce, _REDUCE_SUM, _CV_32S = cv2.boundingRect, cv2.reduce, cv2.REDUCE_SUM, cv2.CV_32S


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
    bounding_rect = _bounding_rect
    for contour in contours:
        x, y, w, h = bounding_rect(contour)
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
    bx, by, bw, bh = blob  # unpacked once: the named tuple's fields are properties
    count = round(bw / (aspect * bh)) if bh > 0 else 1
    if count < 2:
        return [blob]
    region = mask[by : by + bh, bx : bx + bw]
    # A list: the windows are a few columns, where `np.argmin`'s overhead is most of the cost; `index(min(…))` is
    # the same first lowest column.
    columns = _reduce(region, 0, _REDUCE_SUM, dtype=_CV_32S)[0].tolist()
    step = bw / count
    reach = max(int(step / 3), 1)
    shortest = _SIDE_BY_SIDE_HEIGHT * bh
    parts = []
    # Each cut is found and its part measured in one pass (no list of cuts): a part too short settles it early.
    left = 0
    for i in range(1, count + 1):
        right = bw
        if i < count:
            right = round(i * step)
            lo, hi = max(right - reach, left + 1), min(right + reach, bw - 1)
            if hi > lo:
                window = columns[lo:hi]
                right = lo + window.index(min(window))
        x, y, w, h = _bounding_rect(region[:, left:right])  # the part's own extent
        if w:
            if h < shortest:
                return [blob]  # the first short part settles it: the rest need not be measured
            parts.append(_blob(Blob, (bx + left + x, by + y, w, h)))
        left = right
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
