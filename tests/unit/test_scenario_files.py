"""Scenario files are validated before anything runs: every problem is named with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.scenario.model import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.mark.parametrize("path", sorted(p for p in SCENARIOS.glob("*.yaml") if p.name != "district.yaml"))
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.steps and scenario.district == SCENARIOS / "district.yaml"


def test_every_problem_names_the_file_and_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\n"
        "officers:\n"
        "  o-1: {answer: maybe}\n"
        "steps:\n"
        "  - press: {device: btn-1, type: panik}\n"
        "  - expect: {incident: {site: s, colour: red}, within_s: 3}\n"
        "  - expect: {incident: {site: s}}\n"
        "  - dance: {}\n"
        "  - camera: {device: cam-1}\n"
        "  - wait: -1\n",
        "utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert f"{path}:3: officers.o-1.answer must be one of accept, decline, silent, not 'maybe'" in problems
    assert (
        f"{path}:5: press.type must be one of panic, duress, test, cancel, tamper, low_battery, not 'panik'" in problems
    )
    assert any(p.startswith(f"{path}:6: expect.incident: unknown key 'colour'") for p in problems)
    assert f"{path}:7: expect: 'within_s' is required (seconds)" in problems
    assert any(p.startswith(f"{path}:8: a step has exactly one of") for p in problems)
    assert any(p.startswith(f"{path}:9: camera: give either 'event'") for p in problems)
    assert any(p.startswith(f"{path}:10: wait must be a number") for p in problems)
    assert len(problems) == 7


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nsteps:\n  - wait: 1\n   - wait: 2\n", "utf-8")
    with pytest.raises(ScenarioError, match=rf"{path}:4: not valid YAML"):
        load_scenario(path)


def test_a_dispatch_seen_only_on_scene_meets_an_expected_accept_but_a_timed_out_one_does_not() -> None:
    from simulators.scenario.expect import check
    from simulators.scenario.observe import Record, Snapshot

    def snapshot(state: str) -> Snapshot:
        record = Record()
        record.add(1.0, {"officer_id": "o-wang-fang", "site_id": "bank", "state": "offered"})
        record.add(2.0, {"officer_id": "o-wang-fang", "site_id": "bank", "state": state})
        return Snapshot(incidents={}, dispatches={1: record}, warnings={}, feedback=[], device_health=(0.0, []))

    expected = {"officer": "o-wang-fang", "state": "accepted"}
    assert check("dispatch", expected, snapshot("on_scene")).met_at == 2.0
    assert check("dispatch", expected, snapshot("timed_out")).met_at is None
