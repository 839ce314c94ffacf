"""The shipped scenarios (scenarios/*.yaml), each played against a hub on the private test services, and a
scenario whose expectation is wrong on purpose, which must fail with a diff naming what was expected and seen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hub.config import Settings
from sentinel_dev.services import PrivateMosquitto, free_port
from simulators.scenario.model import load_scenario
from simulators.scenario.runner import Report, Target, run_scenario
from tests.integration.conftest import create_api_token, running_hub

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.yaml") if p.name != "district.yaml")

Play = Callable[[Path], "AsyncIterator[Report]"]


@pytest.fixture
def play(hub_settings: Settings, mqtt_broker: PrivateMosquitto):  # type: ignore[no-untyped-def]
    async def run(path: Path) -> Report:
        scenario = load_scenario(path)
        assert scenario.district is not None
        port = free_port()
        settings = hub_settings.model_copy(update={"district_file": scenario.district, "dc09_tcp": f"127.0.0.1:{port}"})
        async with running_hub(settings) as hub:
            assert settings.database_url
            supervisor = await create_api_token(settings.database_url, role="supervisor")
            target = Target(
                hub.http, mqtt_broker.url, hub.token, supervisor, settings.topic_prefix, ("127.0.0.1", port)
            )
            report = await run_scenario(scenario, target)
        print(report.render())
        return report

    return run


# The production layout for the scenario that crosses the routine lane most (a camera event, the hub's own
# warning and the speaker's acks, an officer's replies); the others keep the faster one-process hub.
ROUTINE_SCENARIO = "night-intrusion-school.yaml"


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.routine_process) if n == ROUTINE_SCENARIO else n for n in SHIPPED]
)
async def test_the_shipped_scenario_passes(name: str, play) -> None:  # type: ignore[no-untyped-def]
    report = await play(SCENARIOS / name)
    assert report.passed, report.render()


async def test_a_wrong_expectation_fails_with_a_diff_of_expected_and_seen(play, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        f"name: wrong on purpose\ndistrict: {SCENARIOS / 'district.yaml'}\n"
        "steps:\n"
        "  - press: {device: btn-kg-yangguang-gate}\n"
        "  - expect: {incident: {site: kg-yangguang, kind: panic, priority: 1}, within_s: 3}\n"
        "  - expect: {incident: {site: kg-yangguang, kind: intrusion, priority: 2}, within_s: 1}\n",
        "utf-8",
    )
    report = await play(wrong)
    assert not report.passed
    [failed] = report.failures()
    assert failed.step.line == 6 and failed.step.args["match"]["kind"] == "intrusion"
    text = report.render()
    assert "FAIL  line 6" in text
    assert "expected: incident site=kg-yangguang, kind=intrusion, priority=2 within 1 s" in text
    assert "kind=panic (expected intrusion)" in text and "priority=1 (expected 2)" in text
    assert "site_id=kg-yangguang" in text
    assert "result: FAIL (1 of 3 steps failed)" in text
