"""Zone rules over tracked objects: intrusion, loitering, crowd and line crossing.

Objects are judged by their foot point (bottom-centre of the box): where a person stands, not where their head
overlaps. Everything is in frame fractions. Each rule raises one event per episode, with hysteresis, so a person
lingering on a zone's edge or a line does not raise an event per frame.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import cv2
import numpy as np

from hub.video.detections import Detection, DetectionType, ObjectBox
from hub.video.geometry import Point, point_in_polygon, projection_on_segment, side_of_line
from hub.video.schedule import ALWAYS, WeeklySchedule


class ZoneKind(StrEnum):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    CROWD = "crowd"
    LINE_CROSSING = "line_crossing"


class Direction(StrEnum):
    """Which way a crossing must go to count, in image terms."""

    ANY = "any"
    LEFT_TO_RIGHT = "left_to_right"
    RIGHT_TO_LEFT = "right_to_left"
    TOP_TO_BOTTOM = "top_to_bottom"
    BOTTOM_TO_TOP = "bottom_to_top"

    @property
    def vector(self) -> tuple[float, float]:
        return _DIRECTION_VECTORS[self]


_DIRECTION_VECTORS = {
    Direction.ANY: (0.0, 0.0),
    Direction.LEFT_TO_RIGHT: (1.0, 0.0),
    Direction.RIGHT_TO_LEFT: (-1.0, 0.0),
    Direction.TOP_TO_BOTTOM: (0.0, 1.0),
    Direction.BOTTOM_TO_TOP: (0.0, -1.0),
}


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    kind: ZoneKind
    polygon: tuple[Point, ...] = ()  # for intrusion, loitering, crowd
    line: tuple[Point, Point] | None = None  # for line_crossing
    direction: Direction = Direction.ANY
    schedule: WeeklySchedule = ALWAYS
    loiter_s: float = 30.0
    crowd_count: int = 5  # this many objects or more in the zone make a crowd
    crowd_area_share: float | None = None  # or: this share of the zone's area is moving
    min_object_area: float = 0.0  # objects whose box is smaller (fraction of the frame) are ignored here
    # Perspective: objects shorter than this (fraction of the frame height) are ignored here: (far, near), at the
    # zone's top and bottom edge, linear in between.
    min_object_height: tuple[float, float] | None = None
    name: str = ""

    def admits(self, obj: ObjectBox) -> bool:
        """Whether an object is big enough to count in this zone, for where its foot is."""
        _, _, w, h = obj.box
        if w * h < self.min_object_area:
            return False
        if self.min_object_height is None:
            return True
        far, near = self.min_object_height
        ys = [y for _, y in self.shape]
        top, bottom = min(ys), max(ys)
        depth = min(max((obj.foot[1] - top) / (bottom - top), 0.0), 1.0) if bottom > top else 1.0
        return h >= far + (near - far) * depth

    @property
    def shape(self) -> tuple[Point, ...]:
        return tuple(self.line) if self.line is not None else self.polygon


@dataclass(frozen=True, slots=True)
class RuleTimings:
    leave_s: float = 1.0  # outside this long before a re-entry counts as a new intrusion
    intrusion_repeat_s: float = 10.0  # at most one intrusion event per zone in this time
    line_deadband: float = 0.004  # a foot this close to a line is on neither side
    line_end_margin: float = 0.0  # crossings this far past a line's ends (fraction of its length) still count
    line_confirm_frames: int = 2  # the new side must hold this many observations (a merge's jump does not)
    line_max_step: float = 1.5  # a foot that moved further than this many heights across a line jumped: not a crossing
    size_jump: float = 0.4  # a box whose height changes more than this between observations has merged or split
    size_settle_frames: int = 2  # … unless the new size lasts this many observations (4 before tracks followed feet)
    crowd_hold_s: float = 2.0  # crowded this long → event
    crowd_clear_s: float = 5.0  # not crowded this long → the episode is over


@dataclass(slots=True)
class _Visit:
    entered_t: float
    last_inside_t: float
    intrusion_reported: bool = False
    loitering_reported: bool = False


@dataclass(slots=True)
class _LineSide:
    side: int
    foot: Point  # the last foot point seen on `side`
    height: float  # the box height last taken as this person's own
    other_side_count: int = 0
    size_jumps: int = 0


@dataclass(slots=True)
class _CrowdState:
    crowded_since: float | None = None
    clear_since: float | None = None
    active: bool = False


@dataclass(slots=True)
class _RuleState:
    visits: dict[tuple[int, str], _Visit] = field(default_factory=dict)
    sides: dict[tuple[int, str], _LineSide] = field(default_factory=dict)
    crowds: dict[str, _CrowdState] = field(default_factory=dict)
    last_intrusion_t: dict[str, float] = field(default_factory=dict)
    occupied: dict[str, bool] = field(default_factory=dict)  # zone → someone inside (presence events)


class ZoneRules:
    def __init__(
        self, zones: Sequence[Zone], timings: RuleTimings | None = None, presence_events: bool = False
    ) -> None:
        self.zones = tuple(zones)
        self.timings = timings or RuleTimings()
        self.presence_events = presence_events
        self._state = _RuleState()
        self._zone_masks: dict[tuple[str, tuple[int, int]], tuple[np.ndarray, tuple[slice, slice], int]] = {}
        # Each polygon's bounding box: most objects are far from most zones, and the box test is cheap.
        self._bounds = {
            zone.id: (min(xs), min(ys), max(xs), max(ys))
            for zone in self.zones
            if zone.polygon
            for xs, ys in [([x for x, _ in zone.polygon], [y for _, y in zone.polygon])]
        }

    def reset(self) -> None:
        self._state = _RuleState()

    def evaluate(
        self, objects: Sequence[ObjectBox], t: float, armed: Collection[str], motion: np.ndarray | None = None
    ) -> list[Detection]:
        """Events raised by this frame's confirmed objects. `armed` holds the ids of the zones armed now;
        `motion` (the motion mask) lets crowd zones measure their moving area share."""
        detections: list[Detection] = []
        for zone in self.zones:
            if zone.min_object_height is None:  # the common case, inline: this runs per object, zone and frame
                # With no minimum area every box passes (areas are not negative): no copy.
                eligible = (
                    [o for o in objects if o.box[2] * o.box[3] >= zone.min_object_area]
                    if zone.min_object_area > 0
                    else objects
                )
            else:
                eligible = [o for o in objects if zone.admits(o)]
            if zone.kind is ZoneKind.LINE_CROSSING:
                detections += self._line_crossing(zone, eligible, t, zone.id in armed)
            elif zone.kind is ZoneKind.CROWD:
                detections += self._crowd(zone, eligible, t, zone.id in armed, motion)
            else:
                detections += self._presence(zone, eligible, t, zone.id in armed)
        self._forget_gone(objects)
        if self.presence_events:
            detections += self._occupancy_changes(objects, t, armed)
        return detections

    def _occupancy_changes(self, objects: Sequence[ObjectBox], t: float, armed: Collection[str]) -> list[Detection]:
        """A `presence` detection per armed intrusion or loitering zone whose occupancy changed: someone is in it
        while a visit is open (it closes `leave_s` after the person is last seen inside, or when the track ends)."""
        detections = []
        inside = {zone_id for _, zone_id in self._state.visits}
        for zone in self.zones:
            if zone.kind not in (ZoneKind.INTRUSION, ZoneKind.LOITERING):
                continue
            occupied = zone.id in inside
            if occupied == self._state.occupied.get(zone.id, False):
                continue
            self._state.occupied[zone.id] = occupied
            if zone.id in armed:
                there = [o for o in objects if (o.track_id, zone.id) in self._state.visits]
                detection = self._detection(DetectionType.PRESENCE, zone, t, there, 0.8)
                detections.append(replace(detection, present=occupied))
        return detections

    # --- intrusion and loitering ---------------------------------------------------------------------------
    def _presence(self, zone: Zone, objects: Sequence[ObjectBox], t: float, armed: bool) -> list[Detection]:
        timings, visits = self.timings, self._state.visits
        detections = []
        bounds = self._bounds.get(zone.id)
        left, top, right, bottom = bounds if bounds is not None else (1.0, 1.0, 0.0, 0.0)  # none: nothing within
        polygon, zone_id = zone.polygon, zone.id
        for obj in objects:
            key = (obj.track_id, zone_id)
            visit = visits.get(key)
            # The foot inlined and tested against the zone's bounding box before the polygon (most objects are
            # far from most zones): this runs per object, zone and frame.
            x, y, w, h = obj.box
            foot = (x + w / 2, y + h)
            if left <= foot[0] <= right and top <= foot[1] <= bottom and point_in_polygon(foot, polygon):
                if visit is None:
                    visit = visits[key] = _Visit(entered_t=t, last_inside_t=t)
                visit.last_inside_t = t
            elif visit is not None and t - visit.last_inside_t > timings.leave_s:
                del visits[key]
                continue
            if visit is None or not armed:
                continue
            if zone.kind is ZoneKind.INTRUSION and not visit.intrusion_reported:
                visit.intrusion_reported = True
                last = self._state.last_intrusion_t.get(zone.id)
                if last is None or t - last >= timings.intrusion_repeat_s:
                    self._state.last_intrusion_t[zone.id] = t
                    detections.append(self._detection(DetectionType.INTRUSION, zone, t, [obj], 0.8))
            elif (
                zone.kind is ZoneKind.LOITERING
                and not visit.loitering_reported
                and t - visit.entered_t >= zone.loiter_s
            ):
                visit.loitering_reported = True
                detections.append(self._detection(DetectionType.LOITERING, zone, t, [obj], 0.8))
        return detections

    # --- line crossing -----------------------------------------------------------------------------------
    def _line_crossing(self, zone: Zone, objects: Sequence[ObjectBox], t: float, armed: bool) -> list[Detection]:
        assert zone.line is not None
        a, b = zone.line
        timings, sides = self.timings, self._state.sides
        # `side_of_line` inlined with the line's terms worked out once (the same arithmetic): this runs per object,
        # line and frame.
        (ax, ay), line_dx, line_dy = a, b[0] - a[0], b[1] - a[1]
        length = (line_dx * line_dx + line_dy * line_dy) ** 0.5 or 1.0
        detections = []
        # The timings' terms as locals: this loop runs per object, line and frame.
        deadband, size_jump, settle = timings.line_deadband, timings.size_jump, timings.size_settle_frames
        confirm, zone_id = timings.line_confirm_frames, zone.id
        for obj in objects:
            x, y, w, height = obj.box
            foot_x, foot_y = x + w / 2, y + height
            distance = ((foot_x - ax) * line_dy - (foot_y - ay) * line_dx) / length
            if -deadband < distance < deadband:  # abs(distance) < deadband
                continue
            side = 1 if distance > 0 else -1
            key = (obj.track_id, zone_id)
            state = sides.get(key)
            if state is None:
                sides[key] = _LineSide(side, (foot_x, foot_y), height)
                continue
            if abs(height - state.height) > size_jump * state.height:
                # Merged with a neighbour or split from one: the box's bottom is not this person's feet, unless
                # the new size lasts (two people walking on together).
                state.size_jumps += 1
                if state.size_jumps < settle:
                    continue
            state.height, state.size_jumps = height, 0
            if side == state.side:
                state.foot, state.other_side_count = (foot_x, foot_y), 0
                continue
            state.other_side_count += 1
            if state.other_side_count < confirm:
                continue
            foot = (foot_x, foot_y)
            before = state.foot
            state.side, state.foot, state.other_side_count = side, foot, 0
            if not armed:
                continue
            step = ((foot[0] - before[0]) ** 2 + (foot[1] - before[1]) ** 2) ** 0.5
            if step > timings.line_max_step * height:
                continue
            # Where the path meets the line must lie on the segment, not on its extension.
            d0 = side_of_line(before, a, b)
            share = d0 / (d0 - distance)
            meeting = (before[0] + share * (foot[0] - before[0]), before[1] + share * (foot[1] - before[1]))
            along = projection_on_segment(meeting, a, b)
            if not -timings.line_end_margin <= along <= 1 + timings.line_end_margin:
                continue
            dx, dy = zone.direction.vector
            forward = (foot[0] - before[0]) * dx + (foot[1] - before[1]) * dy > 0
            if zone.direction is not Direction.ANY and not forward:
                continue
            detections.append(self._detection(DetectionType.LINE_CROSSING, zone, t, [obj], 0.8))
        return detections

    # --- crowd ----------------------------------------------------------------------------------------------
    def _crowd(
        self, zone: Zone, objects: Sequence[ObjectBox], t: float, armed: bool, motion: np.ndarray | None
    ) -> list[Detection]:
        bounds = self._bounds.get(zone.id)
        inside = []
        if bounds is not None:
            # As in `_presence`: the foot inlined, the bounding box before the polygon.
            left, top, right, bottom = bounds
            polygon = zone.polygon
            for obj in objects:
                x, y, w, h = obj.box
                foot = (x + w / 2, y + h)
                if left <= foot[0] <= right and top <= foot[1] <= bottom and point_in_polygon(foot, polygon):
                    inside.append(obj)
        crowded = len(inside) >= zone.crowd_count
        if not crowded and zone.crowd_area_share is not None and motion is not None:
            crowded = self._moving_share(zone, motion) >= zone.crowd_area_share
        state = self._state.crowds.setdefault(zone.id, _CrowdState())
        if not crowded:
            state.crowded_since = None
            if state.active:
                state.clear_since = state.clear_since if state.clear_since is not None else t
                if t - state.clear_since >= self.timings.crowd_clear_s:
                    state.active = False
            return []
        state.clear_since = None
        if state.crowded_since is None:
            state.crowded_since = t
        if state.active or not armed or t - state.crowded_since < self.timings.crowd_hold_s:
            return []
        state.active = True
        score = min(0.99, 0.5 + 0.1 * len(inside))
        return [self._detection(DetectionType.CROWD, zone, t, inside, score)]

    def _moving_share(self, zone: Zone, motion: np.ndarray) -> float:
        key = (zone.id, motion.shape[:2])
        cached = self._zone_masks.get(key)
        if cached is None:
            height, width = motion.shape[:2]
            zone_mask = np.zeros((height, width), np.uint8)
            points = np.array([[x * width, y * height] for x, y in zone.polygon], np.int32)
            cv2.fillPoly(zone_mask, [points], 255)
            # Only the zone's own rows and columns are compared (outside them its mask is empty): a zone is often a
            # small part of the frame.
            x, y, w, h = cv2.boundingRect(zone_mask)
            area = (slice(y, y + h), slice(x, x + w))
            cached = self._zone_masks[key] = (zone_mask[area], area, max(cv2.countNonZero(zone_mask), 1))
        zone_mask, area, zone_pixels = cached
        return cv2.countNonZero(cv2.bitwise_and(motion[area], zone_mask)) / zone_pixels

    # --- helpers --------------------------------------------------------------------------------------------

    def _forget_gone(self, objects: Sequence[ObjectBox]) -> None:
        alive = {o.track_id for o in objects}
        for table in (self._state.visits, self._state.sides):
            for key in [k for k in table if k[0] not in alive]:
                del table[key]

    @staticmethod
    def _detection(kind: DetectionType, zone: Zone, t: float, objects: Sequence[ObjectBox], score: float) -> Detection:
        return Detection(kind, t, score, zone_id=zone.id, objects=tuple(objects), zone_shape=zone.shape)
