"""The labelled suite as the quality tests and the benchmark run it: every scenario and its variants (mirrored,
reseeded and recoloured), which keep the same events at the same times in other places and colours."""

from __future__ import annotations

from dataclasses import replace

from hub.video.zones import Direction, Zone
from simulators.camera.render import Effect, Headlights, MovedCamera
from simulators.camera.scenarios import SCENARIOS, SHADES, Scenario


def all_scenarios(variants: bool = True) -> list[Scenario]:
    """The suite: every scenario and, with `variants`, each one mirrored and each one reseeded and recoloured."""
    scenarios = [make() for make in SCENARIOS.values()]
    if not variants:
        return scenarios
    return (
        scenarios
        + [variant(s, 100, mirror=True) for s in scenarios]
        + [variant(s, 200, mirror=False) for s in scenarios]
    )


_MIRRORED_DIRECTION = {
    Direction.LEFT_TO_RIGHT: Direction.RIGHT_TO_LEFT,
    Direction.RIGHT_TO_LEFT: Direction.LEFT_TO_RIGHT,
}


def _mirror_point(point: tuple[float, float]) -> tuple[float, float]:
    return (1.0 - point[0], point[1])


def _mirror_zone(zone: Zone) -> Zone:
    line = (_mirror_point(zone.line[0]), _mirror_point(zone.line[1])) if zone.line is not None else None
    return replace(
        zone,
        polygon=tuple(_mirror_point(p) for p in zone.polygon),
        line=line,
        direction=_MIRRORED_DIRECTION.get(zone.direction, zone.direction),
    )


def _mirror_effect(effect: Effect) -> Effect:
    if isinstance(effect, Headlights):
        return replace(effect, x_from=1.0 - effect.x_from, x_to=1.0 - effect.x_to)
    if isinstance(effect, MovedCamera):
        return replace(effect, dx=-effect.dx, degrees=-effect.degrees)
    return effect


def variant(scenario: Scenario, seed_offset: int, mirror: bool) -> Scenario:
    """The scenario in another world (seed: background, noise, rain) with other clothes, optionally seen in a
    mirror: the same events at the same times, in other places and colours."""
    scene = scenario.scene

    def flip(x: float) -> float:
        return 1.0 - x if mirror else x

    walkers = tuple(
        replace(
            w,
            path=tuple((t, flip(x), y) for t, x, y in w.path),
            shade=SHADES[(SHADES.index(w.shade) + seed_offset // 100 * 3) % len(SHADES)],
        )
        for w in scene.walkers
    )
    effects = tuple(_mirror_effect(e) for e in scene.effects) if mirror else scene.effects
    return replace(
        scenario,
        name=f"{scenario.name}_{'mirrored' if mirror else 'reseeded'}",
        scene=replace(scene, seed=scene.seed + seed_offset, walkers=walkers, effects=effects),
        zones=tuple(_mirror_zone(z) for z in scenario.zones) if mirror else scenario.zones,
    )
