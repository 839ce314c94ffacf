"""Zone rules over tracked objects (boxes in frame fractions): one event per episode, armed zones only."""

from __future__ import annotations

import numpy as np

from hub.video.detections import DetectionType, ObjectBox
from hub.video.zones import Direction, Zone, ZoneKind, ZoneRules

SQUARE = ((0.4, 0.4), (0.8, 0.4), (0.8, 0.9), (0.4, 0.9))
YARD = Zone("yard", ZoneKind.INTRUSION, polygon=SQUARE)
BENCH = Zone("bench", ZoneKind.LOITERING, polygon=SQUARE, loiter_s=10)
PLAZA = Zone("plaza", ZoneKind.CROWD, polygon=SQUARE, crowd_count=3)
GATE = Zone("gate", ZoneKind.LINE_CROSSING, line=((0.5, 0.2), (0.5, 0.95)), direction=Direction.LEFT_TO_RIGHT)


def person(track_id: int, foot_x: float, foot_y: float, height: float = 0.2) -> ObjectBox:
    return ObjectBox(track_id, (foot_x - 0.03, foot_y - height, 0.06, height))


def walk(
    rules: ZoneRules, track_id: int, path: list[tuple[float, float]], t0: float = 0.0, armed: set[str] | None = None
):
    events = []
    for i, (x, y) in enumerate(path):
        events += rules.evaluate([person(track_id, x, y)], t0 + i * 0.2, armed if armed is not None else {"yard"})
    return events


def across(x0: float, x1: float, y: float, steps: int = 12) -> list[tuple[float, float]]:
    return [(x0 + (x1 - x0) * i / (steps - 1), y) for i in range(steps)]


def test_a_foot_entering_an_armed_zone_is_one_intrusion() -> None:
    events = walk(ZoneRules([YARD]), 1, across(0.1, 0.6, 0.7))
    assert [e.type for e in events] == [DetectionType.INTRUSION] and events[0].zone_id == "yard"
    assert events[0].objects[0].track_id == 1 and events[0].zone_shape == SQUARE


def test_a_head_over_the_zone_with_feet_outside_is_no_intrusion() -> None:
    events = walk(ZoneRules([YARD]), 1, across(0.1, 0.6, 0.38))  # feet just above the zone's top edge
    assert events == []


def test_an_unarmed_zone_raises_nothing() -> None:
    assert walk(ZoneRules([YARD]), 1, across(0.1, 0.6, 0.7), armed=set()) == []


def test_someone_inside_when_the_zone_becomes_armed_is_reported_then() -> None:
    rules = ZoneRules([YARD])
    assert walk(rules, 1, [(0.6, 0.7)] * 5, armed=set()) == []
    events = walk(rules, 1, [(0.6, 0.7)] * 3, t0=1.0)
    assert len(events) == 1 and events[0].t == 1.0


def test_lingering_on_the_edge_is_one_intrusion_not_one_per_step() -> None:
    wobble = [(0.4 + (0.02 if i % 2 else -0.02), 0.7) for i in range(30)]
    assert len(walk(ZoneRules([YARD]), 1, wobble)) == 1


def test_re_entering_after_leaving_is_a_new_intrusion_once_the_repeat_time_has_passed() -> None:
    rules = ZoneRules([YARD])
    first = walk(rules, 1, across(0.2, 0.6, 0.7) + across(0.6, 0.2, 0.7))
    second = walk(rules, 1, across(0.2, 0.6, 0.7), t0=20.0)
    assert len(first) == 1 and len(second) == 1


def test_loitering_is_raised_once_after_loiter_s_inside() -> None:
    rules = ZoneRules([BENCH])
    events = walk(rules, 1, [(0.6, 0.7)] * 75, armed={"bench"})  # 15 s inside
    assert [e.type for e in events] == [DetectionType.LOITERING]
    assert abs(events[0].t - 10.0) < 0.21


def test_passing_through_is_not_loitering() -> None:
    assert walk(ZoneRules([BENCH]), 1, across(0.1, 0.9, 0.7, steps=25), armed={"bench"}) == []


def test_a_crowd_must_last_before_it_is_reported_and_is_reported_once() -> None:
    rules = ZoneRules([PLAZA])
    group = [person(i, 0.5 + 0.1 * i, 0.7) for i in range(3)]
    events = []
    for i in range(40):
        events += rules.evaluate(group, i * 0.2, {"plaza"})
    assert [e.type for e in events] == [DetectionType.CROWD]
    assert events[0].t >= 2.0 and len(events[0].objects) == 3


def test_a_crowd_can_be_measured_as_moving_area_share() -> None:
    zone = Zone("plaza", ZoneKind.CROWD, polygon=SQUARE, crowd_count=50, crowd_area_share=0.3)
    rules = ZoneRules([zone])
    motion = np.zeros((180, 320), np.uint8)
    motion[80:160, 130:250] = 255  # covers about half the zone
    events = []
    for i in range(15):
        events += rules.evaluate([], i * 0.2, {"plaza"}, motion)
    assert [e.type for e in events] == [DetectionType.CROWD]


def test_line_crossing_counts_the_configured_direction_only() -> None:
    rules = ZoneRules([GATE])
    right = walk(rules, 1, across(0.3, 0.7, 0.6), armed={"gate"})
    left = walk(rules, 2, across(0.7, 0.3, 0.6), armed={"gate"})
    assert [e.type for e in right] == [DetectionType.LINE_CROSSING] and left == []


def test_passing_beyond_the_end_of_the_line_is_no_crossing() -> None:
    assert walk(ZoneRules([GATE]), 1, across(0.3, 0.7, 0.1), armed={"gate"}) == []  # above the segment


def test_crossing_just_beyond_the_end_of_the_line_is_no_crossing() -> None:
    # Beside the line's end, not over it (a man walking down just past the plaza line's end counted once).
    assert walk(ZoneRules([GATE]), 1, across(0.3, 0.7, 0.97), armed={"gate"}) == []


def test_a_foot_that_jumps_across_the_line_is_not_a_crossing() -> None:
    # A box's bottom jumping further than a person could step (a track taken over by another blob, a replay's cut).
    assert walk(ZoneRules([GATE]), 1, [(0.3, 0.6)] * 4 + [(0.8, 0.6)] * 4, armed={"gate"}) == []
    assert len(walk(ZoneRules([GATE]), 1, [(0.45, 0.6)] * 4 + [(0.55, 0.6)] * 4, armed={"gate"})) == 1


def test_jitter_across_the_line_is_not_a_crossing() -> None:
    jitter = [(0.5 + (0.01 if i % 2 else -0.01), 0.6) for i in range(20)]
    any_way = Zone("gate", ZoneKind.LINE_CROSSING, line=GATE.line)
    assert walk(ZoneRules([any_way]), 1, jitter, armed={"gate"}) == []


def test_a_box_that_jumps_in_size_as_two_people_merge_does_not_cross() -> None:
    any_way = Zone("gate", ZoneKind.LINE_CROSSING, line=((0.2, 0.6), (0.8, 0.6)))
    rules = ZoneRules([any_way])
    events = []
    for i in range(12):
        merged = 4 <= i < 6  # a taller merged box whose bottom reaches past the line, then a split
        box = ObjectBox(1, (0.4, 0.35, 0.06, 0.35 if merged else 0.2))
        events += rules.evaluate([box], i * 0.2, {"gate"})
    assert events == []


def test_objects_smaller_than_the_zone_minimum_are_ignored() -> None:
    zone = Zone("yard", ZoneKind.INTRUSION, polygon=SQUARE, min_object_area=0.05)
    assert walk(ZoneRules([zone]), 1, across(0.1, 0.6, 0.7)) == []


def test_a_zone_minimum_height_scales_from_its_far_edge_to_its_near_edge() -> None:
    zone = Zone("z", ZoneKind.INTRUSION, polygon=((0.0, 0.4), (1.0, 0.4), (1.0, 0.8), (0.0, 0.8)),
                min_object_height=(0.08, 0.2))  # fmt: skip
    far_small = ObjectBox(1, (0.5, 0.32, 0.03, 0.09))  # foot at 0.41, 0.09 tall
    near_small = ObjectBox(2, (0.5, 0.69, 0.03, 0.09))  # foot at 0.78, the same size
    near_big = ObjectBox(3, (0.5, 0.57, 0.06, 0.21))
    assert zone.admits(far_small) and not zone.admits(near_small) and zone.admits(near_big)
