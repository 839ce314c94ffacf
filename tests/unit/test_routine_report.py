"""The routine process's tick line says whether its broker session takes messages: the main process's
`routine_process` dependency (and /readyz) is up only then, and a reconnect that takes a moment is no outage.
It also carries the routine process's ingest counters, which the main process adds into its /metrics."""

from __future__ import annotations

from pathlib import Path

from hub.adapters.metrics import ForwardedCounts, HubMetrics
from hub.config import Settings, load_district
from hub.routine import RoutineLane, reported_counts, reports_ready
from hub.services.health import LINK_GRACE_S
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
    clock.now += LINK_GRACE_S - 0.1
    assert reports_ready(routine.report())
    clock.now += 0.2
    assert not reports_ready(routine.report())
    link.connected = True
    assert reports_ready(routine.report())


def test_the_routine_processs_counters_reach_the_main_processs_metrics_once_across_its_restarts(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    routine, link = lane(tmp_path, clock)
    link.connected = True
    child = routine._metrics
    assert child is not None
    main = HubMetrics()
    forwarded = ForwardedCounts(main)

    def rejected(metrics: HubMetrics, reason: str) -> float | None:
        return metrics.registry.get_sample_value("sentinel_messages_rejected_total", {"reason": reason})

    child.rejected("malformed_json")
    child.events_stored("camera", 2)
    forwarded.heard(1, reported_counts(routine.report()))
    child.rejected("malformed_json")
    forwarded.heard(1, reported_counts(routine.report()))
    forwarded.heard(1, reported_counts(routine.report()))  # a tick with nothing new adds nothing
    assert rejected(main, "malformed_json") == 2
    assert main.registry.get_sample_value("sentinel_events_stored_total", {"device_kind": "camera"}) == 2
    # A restarted child counts from zero: its counts add to the ones already seen.
    restarted, link = lane(tmp_path, clock)
    link.connected = True
    assert restarted._metrics is not None
    restarted._metrics.rejected("malformed_json")
    forwarded.heard(2, reported_counts(restarted.report()))
    assert rejected(main, "malformed_json") == 3
    assert reported_counts("starting") == {}
