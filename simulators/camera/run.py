"""Playing a scenario through an analyzer, frame by frame at the analysis rate, as the camera agent would."""

from __future__ import annotations

from typing import Any

from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.detections import Detection
from simulators.camera.render import SceneRenderer
from simulators.camera.scenarios import TIMEZONE, Scenario
from simulators.camera.truth import Outcome, match


def analyzer_for(scenario: Scenario, **overrides: Any) -> CameraAnalyzer:
    """`overrides`: other AnalyzerSettings fields (the dataclass checks their names)."""
    return CameraAnalyzer(AnalyzerSettings(zones=scenario.zones, timezone=TIMEZONE, **overrides))


def play(scenario: Scenario, analyzer: CameraAnalyzer | None = None, fps: float = 5.0) -> list[Detection]:
    analyzer = analyzer or analyzer_for(scenario)
    renderer = SceneRenderer(scenario.scene)
    detections: list[Detection] = []
    for i in range(int(scenario.duration_s * fps)):
        t = i / fps
        detections += analyzer.analyze(renderer.frame(t), scenario.t0 + t)
    return detections


def evaluate(scenario: Scenario, fps: float = 5.0) -> Outcome:
    return match(scenario.name, scenario.expected, play(scenario, fps=fps), scenario.t0)
