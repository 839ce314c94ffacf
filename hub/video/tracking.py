"""Tracking blobs across frames: who is who, for how long, and where their feet are.

Greedy nearest-neighbour matching on predicted foot points (constant velocity), gated by the object's size. Feet,
not centres: when two people merge into one blob, its bottom is the nearer one's feet, so that person's track
follows it (and keeps crossing lines where their feet are) while the other coasts; a centre lies between the two.
A track must be seen in `min_hits` frames before it counts (rain, snow and flicker rarely persist); a confirmed track
coasts for `max_coast_s` when it is missed (occlusion, two people merging into one blob).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

Box = tuple[float, float, float, float]  # x, y, w, h in pixels of the analysis frame
_FEW_PAIRS = 64  # up to this many track–blob pairs are costed in plain Python


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    min_hits: int = 4  # with 3, short-lived fragments at a line counted: plaza precision 0.56, 0.64 with 4
    max_coast_s: float = 1.0
    gate: float = 0.7  # how far (in object sizes) a blob may be from a track's predicted foot point
    min_gate_px: float = 6.0


@dataclass(slots=True)
class Track:
    id: int
    box: Box
    first_t: float
    last_t: float
    hits: int = 1
    confirmed: bool = False
    velocity: tuple[float, float] = (0.0, 0.0)  # foot point, pixels per second
    seen_now: bool = True
    path: list[tuple[float, float]] = field(default_factory=list)  # foot points, most recent last

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return (x + w / 2, y + h / 2)

    @property
    def foot(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return (x + w / 2, y + h)


class ObjectTracker:
    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self._tracks: list[Track] = []
        self._next_id = 1
        self._last_t: float | None = None

    def reset(self) -> None:
        self._tracks.clear()
        self._last_t = None

    def update(self, boxes: Sequence[Box], t: float) -> list[Track]:
        """Match this frame's boxes to the tracks; return the confirmed tracks (seen now or coasting)."""
        dt = 0.0 if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        tracks = self._tracks
        # Flags by index (not sets of matched indices): this loop runs over every candidate pair of a busy scene.
        free_tracks, free_boxes = [True] * len(tracks), [True] * len(boxes)
        unmatched = min(len(tracks), len(boxes))  # once the fewer side is all matched, no later pair can be
        for ti, bi in self._candidate_pairs(boxes, dt):
            if free_tracks[ti] and free_boxes[bi]:
                free_tracks[ti] = free_boxes[bi] = False
                self._follow(tracks[ti], boxes[bi], t, dt)
                unmatched -= 1
                if not unmatched:
                    break

        survivors = []
        max_coast_s = self.settings.max_coast_s
        for track, free in zip(tracks, free_tracks, strict=True):
            if not free:
                survivors.append(track)
            elif track.confirmed and t - track.last_t <= max_coast_s:
                track.seen_now = False
                survivors.append(track)
        for box, free in zip(boxes, free_boxes, strict=True):
            if free:
                x, y, w, h = box
                survivors.append(Track(self._next_id, box, t, t, path=[(x + w / 2, y + h)]))
                self._next_id += 1
        self._tracks = survivors
        return [track for track in survivors if track.confirmed]

    def _candidate_pairs(self, boxes: Sequence[Box], dt: float) -> list[tuple[int, int]]:
        """(track index, box index) of every pair within the gate, lowest cost first. Vectorised: a busy scene
        has tens of tracks and blobs; a quiet one, a few, where numpy's overhead is most of the cost."""
        if not self._tracks or not boxes:
            return []
        if len(self._tracks) * len(boxes) <= _FEW_PAIRS:
            return self._few_candidate_pairs(boxes, dt)
        # Built from flat iterables (not nested tuples): a busy scene pays this every frame.
        tracks = np.fromiter(
            chain.from_iterable(t.box + t.velocity for t in self._tracks), np.float64, 6 * len(self._tracks)
        ).reshape(-1, 6)  # x, y, w, h, vx, vy
        found = np.fromiter(chain.from_iterable(boxes), np.float64, 4 * len(boxes)).reshape(-1, 4)
        tx, ty, tw, th = tracks[:, 0], tracks[:, 1], tracks[:, 2], tracks[:, 3]
        fx, fy, fw, fh = found[:, 0], found[:, 1], found[:, 2], found[:, 3]
        # Predicted and found foot points, and each one's larger side.
        px = tx + tw / 2 + tracks[:, 4] * dt
        py = ty + th + tracks[:, 5] * dt
        distance = np.hypot(px[:, None] - (fx + fw / 2), py[:, None] - (fy + fh))
        gate = np.maximum(np.maximum(tw, th)[:, None], np.maximum(fw, fh))
        gate *= self.settings.gate
        np.maximum(gate, self.settings.min_gate_px, out=gate)
        ti, bi = np.nonzero(distance <= gate)
        if not len(ti):
            return []
        # Overlap breaks ties between equally near blobs: intersection over union of each pair, from each box's
        # far corner and area worked out once per box.
        side_x = np.minimum((tx + tw)[ti], (fx + fw)[bi]) - np.maximum(tx[ti], fx[bi])
        side_y = np.minimum((ty + th)[ti], (fy + fh)[bi]) - np.maximum(ty[ti], fy[bi])
        inter = np.maximum(side_x, 0) * np.maximum(side_y, 0)
        union = (tw * th)[ti] + (fw * fh)[bi] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        cost = distance[ti, bi] / gate[ti, bi] - 0.5 * iou
        order = np.argsort(cost, kind="stable")
        return list(zip(ti[order].tolist(), bi[order].tolist(), strict=True))

    def _few_candidate_pairs(self, boxes: Sequence[Box], dt: float) -> list[tuple[int, int]]:
        """`_candidate_pairs` in plain Python, the same arithmetic pair by pair (the distances by one `np.hypot`,
        which can differ from `math.hypot` in the last bit)."""
        settings = self.settings
        found = [(x + w / 2, y + h, max(w, h)) for x, y, w, h in boxes]
        pairs, dxs, dys, gates = [], [], [], []
        for ti, track in enumerate(self._tracks):
            x, y, w, h = track.box
            vx, vy = track.velocity
            px, py, size = x + w / 2 + vx * dt, y + h + vy * dt, max(w, h)
            for bi, (fx, fy, found_size) in enumerate(found):
                pairs.append((ti, bi))
                dxs.append(px - fx)
                dys.append(py - fy)
                gates.append(max(max(size, found_size) * settings.gate, settings.min_gate_px))
        costed = [
            (distance / gate - 0.5 * _iou(self._tracks[ti].box, boxes[bi]), ti, bi)
            for (ti, bi), distance, gate in zip(pairs, np.hypot(dxs, dys).tolist(), gates, strict=True)
            if distance <= gate
        ]
        costed.sort(key=lambda pair: pair[0])  # stable: ties keep track-then-blob order, as argsort's
        return [(ti, bi) for _, ti, bi in costed]

    def _follow(self, track: Track, box: Box, t: float, dt: float) -> None:
        # Foot points inlined (not the properties): this runs for every tracked object in every frame.
        x0, y0, w0, h0 = track.box
        x, y, w, h = track.box = box
        if dt > 0:
            vx, vy = ((x + w / 2) - (x0 + w0 / 2)) / dt, ((y + h) - (y0 + h0)) / dt
            # A track that was never followed has no velocity yet: take the first measurement whole.
            if track.hits > 1:
                track.velocity = (0.5 * track.velocity[0] + 0.5 * vx, 0.5 * track.velocity[1] + 0.5 * vy)
            else:
                track.velocity = (vx, vy)
        track.last_t = t
        track.hits += 1
        track.seen_now = True
        path = track.path
        path.append((x + w / 2, y + h))
        if len(path) > 20:
            del path[0]
        if track.hits >= self.settings.min_hits:
            track.confirmed = True


def _iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes, as `_candidate_pairs` works it out."""
    side_x = max(min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]), 0)
    side_y = max(min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]), 0)
    inter = side_x * side_y
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0
