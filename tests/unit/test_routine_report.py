"""The routine process's tick line says whether its broker session takes messages: the main process's
`routine_process` dependency (and /readyz) is up only then, and a reconnect that takes a moment is no outage."""

from __future__ import annotations

from pathlib import Path

from hub.adapters.metrics import HubMetrics
from hub.config import Settings, load_district
from hub.routine import BROKER_GRACE_S, RoutineLane, reports_ready
from simulators.districts import write_district


class FakeLink:
    """What the tick line reads of the routine process's MQTT client."""

    def __init__(self) -> None:
        self.connected = False
        self.backlog = 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lane(tmp_path: Path, clock: FakeClock) -> tuple[RoutineLane, FakeLink]:
    district = write_district(tmp_path / "district.yaml")
    settings = Settings(mqtt_url="mqtt://127.0.0.1:1", database_url="postgresql://x/y", district_file=district)
    routine = RoutineLane(settings, load_district(district), clock=clock)
    link = FakeLink()
    routine._metrics, routine._mqtt = HubMetrics(), link  # type: ignore[assignment]
    return routine, link


def test_the_routine_lane_reports_ready_only_once_its_broker_session_is_up(tmp_path: Path) -> None:
    clock = FakeClock()
    routine, link = lane(tmp_path, clock)
    assert not reports_ready(RoutineLane(routine.settings, routine.district).report())  # still starting
    assert not reports_ready(routine.report())  # never connected: no session yet, nothing subscribed
    clock.now += 60
    assert not reports_ready(routine.report())
    link.connected = True
    assert reports_ready(routine.report())


def test_a_broker_link_down_past_the_grace_makes_the_routine_lane_not_ready_until_it_is_back(tmp_path: Path) -> None:
    clock = FakeClock()
    routine, link = lane(tmp_path, clock)
    link.connected = True
    assert reports_ready(routine.report())
    link.connected = False
    assert reports_ready(routine.report())  # a reconnect that takes a moment
    clock.now += BROKER_GRACE_S - 0.1
    assert reports_ready(routine.report())
    clock.now += 0.2
    assert not reports_ready(routine.report())
    link.connected = True
    assert reports_ready(routine.report())
