"""The labelled synthetic suite: scripted scenes, the zones a camera would have there, and the events an ideal
detector raises (derived from the script by `truth`). Used by the quality tests, the benchmark and the MJPEG
simulator (`scene` names below); the variants the suite adds are in `suite`.

Over 400 lines for a reason: a catalogue of short scene scripts, one function each, over the zones and shades
defined once at the top; split by kind, `SCENARIOS` would only gather them back from several files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.video.schedule import ArmingWindow, WeeklySchedule
from hub.video.zones import Direction, Zone, ZoneKind
from simulators.camera.render import (
    CoveredLens,
    Defocus,
    Headlights,
    InfraredSwitch,
    LightRamp,
    MovedCamera,
    Rain,
    Scene,
    Snow,
    Walker,
)
from simulators.camera.truth import ExpectedEvent, crossings, crowd_start, entries, stays, window

TIMEZONE = "Asia/Shanghai"
# A Monday evening: schedules in the suite are evaluated against this local time.
EVENING = datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo(TIMEZONE))

SHADES = ((50, 40, 35), (35, 35, 150), (140, 60, 30), (30, 100, 40), (20, 20, 20), (90, 40, 110), (200, 190, 60))

YARD = Zone("yard", ZoneKind.INTRUSION, polygon=((0.35, 0.55), (0.75, 0.55), (0.8, 0.95), (0.3, 0.95)))
BENCHES = Zone("benches", ZoneKind.LOITERING, polygon=((0.1, 0.5), (0.45, 0.5), (0.45, 0.95), (0.1, 0.95)), loiter_s=12)
SQUARE = Zone(
    "square",
    ZoneKind.CROWD,
    polygon=((0.45, 0.5), (0.97, 0.5), (0.97, 0.97), (0.45, 0.97)),
    crowd_count=4,
    crowd_area_share=0.15,
)
GATE = Zone("gate", ZoneKind.LINE_CROSSING, line=((0.5, 0.45), (0.5, 0.98)), direction=Direction.LEFT_TO_RIGHT)
KERB = Zone("kerb", ZoneKind.LINE_CROSSING, line=((0.05, 0.6), (0.3, 0.6)))


@dataclass(frozen=True)
class Scenario:
    name: str
    scene: Scene
    duration_s: float
    zones: tuple[Zone, ...] = ()
    expected: tuple[ExpectedEvent, ...] = ()
    start: datetime = EVENING
    description: str = ""

    @property
    def t0(self) -> float:
        return self.start.timestamp()


def walker(*path: tuple[float, float, float], height: float = 0.18, shade: int = 0) -> Walker:
    return Walker(tuple(path), height, SHADES[shade % len(SHADES)])


def _intrusions(walkers: tuple[Walker, ...], zone: Zone, armed_from: float = 0.0) -> tuple[ExpectedEvent, ...]:
    times = sorted(t for w in walkers for t in entries(w, zone) if t >= armed_from)
    return tuple(window("intrusion", zone.id, t) for t in times)


def _crossings(walkers: tuple[Walker, ...], *zones: Zone) -> tuple[ExpectedEvent, ...]:
    return tuple(window("line_crossing", zone.id, t) for zone in zones for w in walkers for t in crossings(w, zone))


def _intruded(name: str, scene: Scene, duration_s: float, zone: Zone, description: str) -> Scenario:
    """A scene where every entry into the one zone is an intrusion."""
    return Scenario(name, scene, duration_s, (zone,), _intrusions(scene.walkers, zone), description=description)


def yard_intrusions() -> Scenario:
    walkers = (
        walker((2, 0.05, 0.75), (8, 0.55, 0.8), (12, 0.62, 0.99)),
        walker((16, 0.98, 0.6), (22, 0.55, 0.7), (28, 0.98, 0.64), shade=1, height=0.16),
        walker((30, 0.5, 0.38), (36, 0.53, 0.75), (40, 0.55, 0.8), shade=2, height=0.2),
        walker((0, 0.0, 0.45), (20, 1.0, 0.47), shade=3, height=0.15),  # passes above the yard
        walker((20, 0.15, 0.42), (40, 0.18, 0.98), shade=4),  # passes left of the yard
    )
    return _intruded(
        "yard_intrusions",
        Scene(seed=11, walkers=walkers),
        42,
        YARD,
        "three people walk into the yard, two pass by outside it",
    )


def yard_schedule() -> Scenario:
    """The yard is armed 19:00–07:00; the scene starts at 18:59:30, so only the second entry counts."""
    night = WeeklySchedule((ArmingWindow(frozenset(range(7)), 19 * 60, 7 * 60),))
    zone = Zone(YARD.id, ZoneKind.INTRUSION, polygon=YARD.polygon, schedule=night)
    walkers = (
        walker((3, 0.05, 0.75), (9, 0.5, 0.8), (15, 0.05, 0.9)),
        walker((32, 0.98, 0.6), (38, 0.55, 0.75), (42, 0.6, 0.8), shade=2),
    )
    return Scenario(
        "yard_schedule",
        Scene(seed=12, walkers=walkers),
        44,
        (zone,),
        _intrusions(walkers, zone, armed_from=30.0),
        start=datetime(2026, 3, 2, 18, 59, 30, tzinfo=ZoneInfo(TIMEZONE)),
        description="an entry before the yard is armed at 19:00 is ignored, one after is reported",
    )


def loiterer() -> Scenario:
    walkers = (
        walker(
            (3, 0.0, 0.7),
            (6, 0.2, 0.72),
            (10, 0.3, 0.8),
            (14, 0.2, 0.88),
            (18, 0.25, 0.7),
            (22, 0.35, 0.75),
            (26, 0.22, 0.85),
            (30, 0.28, 0.7),
            (34, 0.0, 0.65),
            shade=4,
        ),
        walker((5, 0.4, 0.3), (8, 0.4, 0.62), (11, 0.6, 0.99), shade=1, height=0.16),  # cuts a corner quickly
    )
    expected = tuple(
        window("loitering", BENCHES.id, entered + BENCHES.loiter_s)
        for w in walkers
        for entered, left in stays(w, BENCHES)
        if left - entered >= BENCHES.loiter_s
    )
    return Scenario(
        "loiterer",
        Scene(seed=13, walkers=walkers),
        38,
        (BENCHES,),
        expected,
        description="one person lingers by the benches; another cuts through",
    )


def crowd() -> Scenario:
    spots = ((0.55, 0.65), (0.7, 0.6), (0.85, 0.68), (0.6, 0.85), (0.78, 0.88), (0.92, 0.82))
    starts = ((1.0, 0.7), (1.0, 0.55), (0.5, 0.4), (0.4, 1.0), (1.0, 1.0), (0.7, 0.4))
    walkers = tuple(
        walker(
            (2 + 2 * i, sx, sy),
            (8 + 2 * i, x, y),
            (16 + i, x + 0.02, y - 0.02),
            (26, x - 0.02, y + 0.01),
            (32 + i, sx, sy),
            shade=i,
            height=0.16,
        )
        for i, ((x, y), (sx, sy)) in enumerate(zip(spots, starts, strict=True))
    )
    gathered = crowd_start(walkers, SQUARE, SQUARE.crowd_count)
    assert gathered is not None
    return Scenario(
        "crowd",
        Scene(seed=14, walkers=walkers),
        40,
        (SQUARE,),
        (window("crowd", SQUARE.id, gathered, lag=6.0),),
        description="six people gather in the square, then leave",
    )


def line_crossing() -> Scenario:
    walkers = (
        walker((2, 0.3, 0.7), (10, 0.7, 0.72)),
        walker((12, 0.7, 0.8), (20, 0.3, 0.82), shade=1),
        walker((22, 0.25, 0.9), (30, 0.75, 0.88), shade=2),
        walker((32, 0.75, 0.6), (40, 0.3, 0.62), shade=3),
        walker((40, 0.3, 0.75), (48, 0.72, 0.7), shade=5),
        walker((50, 0.28, 0.92), (58, 0.7, 0.85), shade=0, height=0.2),
        walker((52, 0.72, 0.66), (60, 0.32, 0.6), shade=4, height=0.15),
        # cyan, as bright as the paving in grey: grey-level motion barely sees it (a known limit)
        walker((5, 0.18, 0.42), (12, 0.18, 0.9), shade=6, height=0.15),
        walker((25, 0.16, 0.92), (32, 0.17, 0.45), shade=2, height=0.15),
        walker((44, 0.2, 0.45), (52, 0.22, 0.92), shade=3, height=0.17),
    )
    return Scenario(
        "line_crossing",
        Scene(seed=15, walkers=walkers),
        62,
        (GATE, KERB),
        _crossings(walkers, GATE, KERB),
        description="left-to-right crossings of the gate count, right-to-left ones do not; the kerb counts both",
    )


def light_and_rain() -> Scenario:
    effects = (
        LightRamp(2, 10, 1.0, 0.55),  # a cloud
        LightRamp(10, 12, 1.0, 1.8),  # the sun again
        Headlights(14, 24, -0.1, 1.1, 0.75),
        Rain(24, 44, drops=400),
        Snow(44, 54),
        InfraredSwitch(50),
    )
    return Scenario(
        "light_and_rain",
        Scene(seed=16, effects=effects),
        58,
        (YARD, BENCHES, SQUARE, GATE),
        (),
        description="nobody there: clouds, sun, headlights, heavy rain, snow and an IR switch — no event expected",
    )


def rain_intruders() -> Scenario:
    walkers = (
        walker((4, 0.05, 0.78), (10, 0.55, 0.8), (14, 0.6, 0.99), shade=4),
        walker((18, 0.98, 0.62), (24, 0.6, 0.7), (28, 0.98, 0.66), shade=1),
    )
    return _intruded(
        "rain_intruders",
        Scene(seed=17, walkers=walkers, effects=(Rain(0, 40, drops=350),)),
        32,
        YARD,
        "two people walk into the yard in heavy rain",
    )


# Every tamper is to be raised within this time of its onset, and restored within it of the fix.
TAMPER_WITHIN_S = 2.0


def _tamper_expectations(name: str, start: float, end: float) -> tuple[ExpectedEvent, ...]:
    return (
        window(name, None, start, lag=TAMPER_WITHIN_S),
        window(f"{name}_restored", None, end, lag=TAMPER_WITHIN_S),
    )


_PASSER = walker((4, 0.0, 0.8), (24, 1.0, 0.75), shade=4)


def _tampered(
    name: str,
    seed: int,
    effect: CoveredLens | MovedCamera | Defocus,
    description: str,
    walkers: tuple[Walker, ...] = (),
    zones: tuple[Zone, ...] = (),
    intrusions: tuple[ExpectedEvent, ...] = (),
) -> Scenario:
    """A tamper scene of 26 s (24 for a covered lens): the effect's tamper raised at its start and restored at its
    end, after the `intrusions` expected before it."""
    duration = 24 if isinstance(effect, CoveredLens) else 26
    tamper = {CoveredLens: "tamper_covered", MovedCamera: "tamper_moved", Defocus: "tamper_defocused"}[type(effect)]
    return Scenario(
        name,
        Scene(seed=seed, walkers=walkers, effects=(effect,)),
        duration,
        zones,
        intrusions + _tamper_expectations(tamper, effect.start, effect.end),
        description=description,
    )


def covered_lens() -> Scenario:
    return _tampered("covered_lens", 18, CoveredLens(8, 16), "a hand over the lens for 8 s", walkers=(_PASSER,))


def sprayed_lens() -> Scenario:
    return _tampered("sprayed_lens", 19, CoveredLens(8, 16, fog=True), "the lens sprayed over, then cleaned")


def moved_camera() -> Scenario:
    return _tampered("moved_camera", 20, MovedCamera(8, 18), "the camera is turned away, then put back")


def defocused() -> Scenario:
    description = "the lens is knocked out of focus, then refocused"
    return _tampered("defocused", 21, Defocus(8, 18), description, walkers=(_PASSER,))


def knocked_camera() -> Scenario:
    """Knocked by 15 % across, 10 % down and 4°: a view that still half matches the old one, then put back."""
    walkers = (walker((2, 0.0, 0.8), (7.5, 1.0, 0.78), shade=4),)
    return _tampered(
        "knocked_camera",
        22,
        MovedCamera(8, 18, dx=0.15, dy=0.10, degrees=4.0),
        "someone crosses the yard; the camera is knocked a little askew, then put back",
        walkers,
        (YARD,),
        _intrusions(walkers, YARD),
    )


def panned_camera() -> Scenario:
    return _tampered(
        "panned_camera",
        23,
        MovedCamera(8, 18, dx=0.3, dy=0.0, degrees=0.0),
        "the camera is panned by 30 % of the view, then back",
        zones=(YARD,),
    )


def defocus_with_walkers() -> Scenario:
    """People walk into the yard while the picture is blurred: the zone rules are suspended, so no intrusion."""
    walkers = (
        walker((9, 0.05, 0.75), (13, 0.55, 0.8), (17, 0.6, 0.99), shade=1),
        walker((10, 0.98, 0.6), (14, 0.6, 0.7), (17.5, 0.98, 0.64), shade=4),
    )
    description = "the lens is knocked out of focus while two people walk through the yard, then refocused"
    return _tampered("defocus_with_walkers", 24, Defocus(8, 18), description, walkers, (YARD,))


def lights_on() -> Scenario:
    """Floodlights switched on (+40 % at once) and later an IR switch, nobody there; then someone walks in."""
    walkers = (walker((30, 0.05, 0.78), (36, 0.55, 0.8), (40, 0.6, 0.95), shade=4),)
    return Scenario(
        "lights_on",
        Scene(seed=25, walkers=walkers, effects=(LightRamp(8, 8, 1.0, 1.4), InfraredSwitch(20))),
        42,
        (YARD, BENCHES, SQUARE, GATE),
        _intrusions(walkers, YARD) + _crossings(walkers, GATE),
        description="a +40 % lights-on step and an IR switch raise nothing; a later intruder is still seen",
    )


def small_people() -> Scenario:
    """People 30–40 px tall at 640×360, far up the view, walking into a far zone. (Their shades avoid the cyan that
    is as bright as the paving in grey in every variant: that known limit is the line-crossing scene's.)"""
    far_yard = Zone("far_yard", ZoneKind.INTRUSION, polygon=((0.3, 0.42), (0.7, 0.42), (0.72, 0.6), (0.28, 0.6)))
    walkers = (
        walker((2, 0.05, 0.5), (10, 0.5, 0.52), (16, 0.55, 0.7), shade=5, height=30 / 360),
        walker((14, 0.98, 0.45), (22, 0.5, 0.5), (30, 0.98, 0.55), shade=1, height=34 / 360),
        walker((26, 0.1, 0.62), (34, 0.45, 0.55), (40, 0.1, 0.45), shade=4, height=38 / 360),
        walker((0, 0.0, 0.38), (20, 1.0, 0.4), shade=2, height=30 / 360),  # passes above the zone
    )
    return _intruded(
        "small_people",
        Scene(seed=26, walkers=walkers),
        42,
        far_yard,
        "three people 30–40 px tall walk into a far zone, one passes above it",
    )


def _pair(
    offset_x: float, *path: tuple[float, float, float], shade: int = 0, height: float = 0.17
) -> tuple[Walker, ...]:
    """Two people walking side by side, a shoulder apart."""
    return (
        walker(*path, shade=shade, height=height),
        walker(*((t, x + offset_x, y + 0.01) for t, x, y in path), shade=shade + 1, height=height * 0.95),
    )


def walking_in_pairs() -> Scenario:
    walkers = (
        *_pair(0.035, (2, 0.3, 0.72), (10, 0.7, 0.74)),
        *_pair(0.035, (12, 0.72, 0.84), (20, 0.28, 0.86), shade=2),
        *_pair(0.03, (22, 0.15, 0.42), (30, 0.16, 0.9), shade=4),
        *_pair(0.035, (32, 0.25, 0.62), (40, 0.75, 0.6), shade=1),
    )
    return Scenario(
        "walking_in_pairs",
        Scene(seed=27, walkers=walkers),
        44,
        (GATE, KERB),
        _crossings(walkers, GATE, KERB),
        description="people walk in pairs across the gate and the kerb: each person's crossing counts",
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    f.__name__: f
    for f in (
        yard_intrusions,
        yard_schedule,
        loiterer,
        crowd,
        line_crossing,
        light_and_rain,
        rain_intruders,
        covered_lens,
        sprayed_lens,
        moved_camera,
        defocused,
        knocked_camera,
        panned_camera,
        defocus_with_walkers,
        lights_on,
        small_people,
        walking_in_pairs,
    )
}
