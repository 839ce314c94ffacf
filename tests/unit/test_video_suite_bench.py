"""`benchmarks.video_suite`: the zones handed to the analyzer under test are the suite's own, and the figures are
summed per scene with its variants. No benchmark is run here."""

from __future__ import annotations

import json
from dataclasses import replace

from benchmarks.video_suite import base_name, summarise, zone_fields
from benchmarks.video_suite_timing import make_zone
from hub.video.schedule import ALWAYS
from simulators.camera.suite import all_scenarios


def test_every_suite_zone_reaches_the_timed_analyzer_as_the_quality_tests_play_it_but_always_armed() -> None:
    for scenario in all_scenarios():
        for zone in scenario.zones:
            assert make_zone(json.loads(json.dumps(zone_fields(zone)))) == replace(zone, schedule=ALWAYS), scenario.name


def test_variants_count_with_their_scene_and_the_median_run_is_reported() -> None:
    def run(cpu_s: float) -> dict[str, list[dict[str, object]]]:
        return {
            "scenes": [
                {"name": "crowd", "frames": 100, "cpu_s": cpu_s, "searched": 100},
                {"name": "crowd_mirrored", "frames": 100, "cpu_s": cpu_s, "searched": 50},
                {"name": "defocused_reseeded", "frames": 200, "cpu_s": 0.1, "searched": 0},
            ]
        }

    summary = summarise([run(0.05), run(0.03), run(0.04)])
    assert base_name("walking_in_pairs_reseeded") == "walking_in_pairs"
    assert summary["crowd"] == {"ms_per_frame": 0.4, "frames": 200, "searched_share": 0.75}
    assert summary["defocused"] == {"ms_per_frame": 0.5, "frames": 200, "searched_share": 0.0}
    assert summary["all"] == {"ms_per_frame": 0.45, "frames": 400, "searched_share": 0.375}
