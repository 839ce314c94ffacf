"""Deterministic synthetic camera pictures: a textured world seen through a camera, people as simple shapes,
and what happens to cameras outdoors (light changes, headlights, rain, a covered lens, a moved camera, defocus).

Every frame is a pure function of (scene, time): the same seed gives the same pixels, so tests can be exact
about what a detector was shown.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Walker:
    """A person whose foot point follows `path` — (t, x, y) keyframes in view fractions — and who is visible
    from the first keyframe to the last."""

    path: tuple[tuple[float, float, float], ...]
    height: float = 0.18  # fraction of the frame height
    shade: tuple[int, int, int] = (50, 40, 35)  # BGR of the clothes

    def foot_at(self, t: float) -> Point | None:
        path = self.path
        if t < path[0][0] or t > path[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(path):
            if t0 <= t <= t1:
                share = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return (x0 + share * (x1 - x0), y0 + share * (y1 - y0))
        return (path[-1][1], path[-1][2])


# --- effects: each is active in [start, end) ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LightRamp:
    """Global brightness gain moving from `gain_from` to `gain_to` (clouds, dusk); held after `end`."""

    start: float
    end: float
    gain_from: float
    gain_to: float


@dataclass(frozen=True, slots=True)
class InfraredSwitch:
    """From `start`, the picture turns grey and brighter, as a day/night camera switching to IR."""

    start: float
    end: float = math.inf
    gain: float = 1.3


@dataclass(frozen=True, slots=True)
class Headlights:
    """A soft bright patch sweeping across the ground from `x_from` to `x_to` at height `y`."""

    start: float
    end: float
    x_from: float
    x_to: float
    y: float
    radius: float = 0.12
    strength: float = 0.8  # added gain at the centre


@dataclass(frozen=True, slots=True)
class Rain:
    start: float
    end: float
    drops: int = 250  # streaks per frame at 640×360


@dataclass(frozen=True, slots=True)
class Snow:
    start: float
    end: float
    flakes: int = 300


@dataclass(frozen=True, slots=True)
class CoveredLens:
    """A hand or tape over the lens (`fog` False), or spray paint: a milky, almost featureless picture."""

    start: float
    end: float
    fog: bool = False


@dataclass(frozen=True, slots=True)
class MovedCamera:
    """The camera is turned: the view shifts by (dx, dy) of the frame and rotates by `degrees`."""

    start: float
    end: float = math.inf
    dx: float = 0.3
    dy: float = 0.05
    degrees: float = 6.0


@dataclass(frozen=True, slots=True)
class Defocus:
    start: float
    end: float
    sigma: float = 6.0  # blur at 640 px wide


Effect = LightRamp | InfraredSwitch | Headlights | Rain | Snow | CoveredLens | MovedCamera | Defocus


@dataclass(frozen=True)
class Scene:
    width: int = 640
    height: int = 360
    seed: int = 1
    walkers: tuple[Walker, ...] = ()
    effects: tuple[Effect, ...] = ()
    noise: float = 3.0  # sensor noise, grey levels (standard deviation)


class SceneRenderer:
    """Renders a scene's frames. Precomputes the world and a bank of noise so a 640×360 frame costs ~2 ms."""

    _MARGIN = 0.5  # the world extends this far (in frames) beyond the view, for a moved camera

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        rng = np.random.default_rng(scene.seed)
        self._world = _world(scene.width, scene.height, self._MARGIN, rng)
        self._noise = [_noise_pair(scene.height, scene.width, scene.noise, rng) for _ in range(8)]
        self._view_offset = (int(scene.width * self._MARGIN), int(scene.height * self._MARGIN))

    def frame(self, t: float) -> np.ndarray:
        s = self.scene
        active = [e for e in s.effects if _active(e, t)]
        image = self._view(next((e for e in active if isinstance(e, MovedCamera)), None))
        if not any(isinstance(e, MovedCamera) for e in active):
            feet = [(foot, walker) for walker in s.walkers if (foot := walker.foot_at(t)) is not None]
            for foot, walker in sorted(feet, key=lambda pair: pair[0][1]):  # farther people first
                _draw_person(image, foot, walker, t)
        gain = _global_gain(s.effects, t)
        for effect in active:
            if isinstance(effect, Headlights):
                _headlights(image, effect, t)
            elif isinstance(effect, InfraredSwitch):
                grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
                image = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
                gain *= effect.gain
        if gain != 1.0:
            image = cv2.convertScaleAbs(image, alpha=gain)
        frame_index = round(t * 25)
        rng = np.random.default_rng((s.seed, frame_index))
        for effect in active:
            if isinstance(effect, Rain):
                _rain(image, effect.drops, rng)
            elif isinstance(effect, Snow):
                _snow(image, effect.flakes, rng)
            elif isinstance(effect, Defocus):
                sigma = effect.sigma * s.width / 640
                image = cv2.GaussianBlur(image, (0, 0), sigma)
            elif isinstance(effect, CoveredLens):
                image = _covered(image, effect.fog)
        plus, minus = self._noise[frame_index % len(self._noise)]
        cv2.add(image, plus, dst=image)  # in place: the frame is this call's own
        cv2.subtract(image, minus, dst=image)
        return image

    def _view(self, moved: MovedCamera | None) -> np.ndarray:
        s = self.scene
        ox, oy = self._view_offset
        if moved is None:
            return self._world[oy : oy + s.height, ox : ox + s.width].copy()
        centre = (ox + s.width / 2 + moved.dx * s.width, oy + s.height / 2 + moved.dy * s.height)
        matrix = cv2.getRotationMatrix2D(centre, moved.degrees, 1.0)
        matrix[0, 2] -= centre[0] - s.width / 2
        matrix[1, 2] -= centre[1] - s.height / 2
        return cv2.warpAffine(self._world, matrix, (s.width, s.height), borderMode=cv2.BORDER_REFLECT)


def _active(effect: Effect, t: float) -> bool:
    return effect.start <= t < effect.end


def _global_gain(effects: tuple[Effect, ...], t: float) -> float:
    gain = 1.0
    for effect in effects:
        if isinstance(effect, LightRamp) and t >= effect.start:
            share = min((t - effect.start) / max(effect.end - effect.start, 1e-6), 1.0)
            gain *= effect.gain_from + share * (effect.gain_to - effect.gain_from)
    return gain


def _world(width: int, height: int, margin: float, rng: np.random.Generator) -> np.ndarray:
    """A plaza seen from above a wall: buildings with windows at the top, paving with joints below, benches,
    planters and lamp posts; textured so that focus and layout can be measured."""
    world_w, world_h = int(width * (1 + 2 * margin)), int(height * (1 + 2 * margin))
    world = np.empty((world_h, world_w, 3), np.uint8)
    world[:] = (128, 132, 136)
    horizon = int(world_h * 0.38)
    x = 0
    while x < world_w:  # buildings of random widths, heights and tones
        w = int(rng.integers(width // 10, width // 4))
        top = int(rng.integers(int(world_h * 0.05), horizon - 20))
        tone = int(rng.integers(70, 190))
        cv2.rectangle(world, (x, top), (x + w, horizon), (tone, tone + 5, tone + 10), -1)
        for wy in range(top + 10, horizon - 12, 22):
            for wx in range(x + 8, x + w - 12, 18):
                lit = int(rng.integers(0, 2))
                cv2.rectangle(world, (wx, wy), (wx + 9, wy + 12), (230, 230, 200) if lit else (40, 40, 45), -1)
        x += w + int(rng.integers(2, 12))
    tile = max(width // 16, 12)
    for y in range(horizon, world_h, tile // 2):
        cv2.line(world, (0, y), (world_w, y), (108, 110, 112), 1)
    for x in range(0, world_w, tile):
        cv2.line(world, (x, horizon), (x, world_h), (108, 110, 112), 1)
    for _ in range(14):  # benches, planters and lamp posts
        cx, cy = int(rng.integers(0, world_w)), int(rng.integers(horizon + 10, world_h))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.rectangle(world, (cx, cy), (cx + width // 12, cy + 8), (60, 80, 110), -1)
        elif kind == 1:
            cv2.circle(world, (cx, cy), width // 40, (50, 120, 60), -1)
        else:
            cv2.line(world, (cx, cy), (cx, cy - height // 6), (45, 45, 45), 3)
    texture = rng.normal(0, 6, (world_h, world_w, 1)).astype(np.int16)
    return np.clip(world.astype(np.int16) + texture, 0, 255).astype(np.uint8)


def _noise_pair(height: int, width: int, sigma: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    noise = rng.standard_normal((height, width, 3), dtype=np.float32) * np.float32(sigma)
    return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)


def _draw_person(image: np.ndarray, foot: Point, walker: Walker, t: float) -> None:
    height, width = image.shape[:2]
    body_h = walker.height * height
    fx, fy = foot[0] * width, foot[1] * height
    body_w = body_h * 0.32
    stride = math.sin(t * 7.0) * body_w * 0.25  # legs swing as they walk
    leg_top = fy - body_h * 0.45
    for sign in (-1, 1):
        cv2.line(
            image, (int(fx + sign * body_w * 0.2), int(leg_top)), (int(fx + sign * stride), int(fy)), walker.shade,
            max(2, int(body_w * 0.28)),
        )  # fmt: skip
    torso = (int(fx - body_w / 2), int(fy - body_h * 0.82), int(fx + body_w / 2), int(leg_top) + 2)
    cv2.rectangle(image, torso[:2], torso[2:], walker.shade, -1)
    cv2.circle(image, (int(fx), int(fy - body_h * 0.9)), max(2, int(body_h * 0.09)), (60, 80, 120), -1)


def _headlights(image: np.ndarray, light: Headlights, t: float) -> None:
    height, width = image.shape[:2]
    share = (t - light.start) / max(light.end - light.start, 1e-6)
    cx = (light.x_from + share * (light.x_to - light.x_from)) * width
    cy = light.y * height
    radius = light.radius * width
    ys, xs = np.ogrid[:height, :width]
    gain = 1.0 + light.strength * np.exp(
        -(((xs - cx) ** 2) / (2 * radius**2) + ((ys - cy) ** 2) / (2 * (radius / 2) ** 2))
    )
    image[:] = np.clip(image * gain[..., None], 0, 255).astype(np.uint8)


def _rain(image: np.ndarray, drops: int, rng: np.random.Generator) -> None:
    height, width = image.shape[:2]
    scale = width / 640
    n = int(drops * (width * height) / (640 * 360))
    xs, ys = rng.integers(0, width, n), rng.integers(0, height, n)
    lengths = rng.integers(int(8 * scale) + 1, int(18 * scale) + 2, n)
    shades = rng.integers(170, 235, n)
    for x, y, length, shade in zip(xs, ys, lengths, shades, strict=True):
        end = (int(x + length * 0.25), int(y + length))
        cv2.line(image, (int(x), int(y)), end, (int(shade),) * 3, 1)


def _snow(image: np.ndarray, flakes: int, rng: np.random.Generator) -> None:
    height, width = image.shape[:2]
    n = int(flakes * (width * height) / (640 * 360))
    xs, ys = rng.integers(0, width, n), rng.integers(0, height, n)
    radii = rng.integers(1, max(2, width // 320) + 1, n)
    for x, y, r in zip(xs, ys, radii, strict=True):
        cv2.circle(image, (int(x), int(y)), int(r), (245, 245, 245), -1)


def _covered(image: np.ndarray, fog: bool) -> np.ndarray:
    if fog:  # spray paint: a milky veil over a heavily blurred picture (blurred small: a tenth of the time)
        height, width = image.shape[:2]
        small = cv2.resize(image, (width // 8, height // 8), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), width / 30 / 8)
        blurred = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        return cv2.addWeighted(blurred, 0.15, np.full_like(image, 200), 0.85, 0)
    return np.full_like(image, 24)  # a hand or tape: dark, uniform
