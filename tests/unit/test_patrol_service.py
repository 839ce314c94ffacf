"""Video patrol on in-memory ports (tests/unit/fakes): a round and its views, and incidents opened by hand.
The same through PostgreSQL and HTTP: tests/integration/test_patrol_api.py."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.domain.escalation import TimerKind
from hub.domain.incidents import IncidentState, Priority
from hub.domain.patrol import Outcome
from hub.services.patrol import Invalid, ManualIncident, PatrolService, RunFinished, ViewRequest
from tests.unit.fakes.transaction import FakePatrolStore
from tests.unit.fakes.world import World, district

TOUR = {"id": "round", "name": "巡查", "cameras": ["cam-00", "cam-01"], "dwell_s": 8, "every": "2h"}


def patrol_world() -> tuple[World, PatrolService]:
    world = World(district=district(sites=2, extra={"patrol_tours": [TOUR]}), store=FakePatrolStore())
    assert isinstance(world.store, FakePatrolStore)
    return world, PatrolService(world.store, world.district, world.clock)


async def test_a_round_logs_its_views_and_its_summary_names_the_cameras_missed() -> None:
    world, patrol = patrol_world()
    run = await patrol.start_run("round", "user:desk")
    await patrol.log_view(run.id, ViewRequest("cam-00", Outcome.CHECKED), "user:desk")

    finished, summary = await patrol.finish_run(run.id, "user:desk")

    assert finished.finished_by == "user:desk" and summary.views == 1
    assert list(summary.cameras_missed) == ["cam-01"]
    assert world.store.tables.audit_log.actions() == ["patrol.start", "patrol.view", "patrol.finish"]


async def test_a_finished_round_takes_no_more_views() -> None:
    world, patrol = patrol_world()
    run = await patrol.start_run("round", "user:desk")
    await patrol.finish_run(run.id, "user:desk")

    with pytest.raises(RunFinished):
        await patrol.log_view(run.id, ViewRequest("cam-00", Outcome.CHECKED), "user:desk")
    assert world.store.tables.patrol.views == {}


async def test_a_view_cannot_name_an_incident_at_another_site() -> None:
    world, patrol = patrol_world()
    incident_id = await world.open_incident(1)
    run = await patrol.start_run("round", "user:desk")

    with pytest.raises(Invalid) as refused:
        await patrol.log_view(run.id, ViewRequest("cam-00", Outcome.INCIDENT_OPENED, incident_id=incident_id), "u")
    assert refused.value.code == "incident_elsewhere"


async def test_an_incident_opened_by_hand_is_acknowledged_at_once_with_its_timers() -> None:
    world, patrol = patrol_world()

    incident, opened = await patrol.open_incident(ManualIncident("site-01", note="someone at the door"), "user:desk")

    assert opened and incident.state is IncidentState.ACKNOWLEDGED and incident.id is not None
    assert world.store.tables.incidents.actions_of(incident.id) == ["opened", "acknowledge"]
    assert TimerKind.ARRIVAL in world.store.tables.timers.kinds_of(incident.id)


async def test_an_incident_opened_by_hand_joins_the_sites_open_one_raising_its_priority() -> None:
    world, patrol = patrol_world()
    open_id = await world.open_incident(1)
    rows = world.store.tables.incidents.rows
    rows[open_id] = replace(rows[open_id], priority=Priority.P3)  # as if a P3 event had opened it

    incident, opened = await patrol.open_incident(ManualIncident("site-01", priority=2), "user:desk")

    assert not opened and incident.id == open_id and incident.priority is Priority.P2
    assert world.store.tables.incidents.actions_of(open_id)[-2:] == ["note", "priority_raised"]
    assert "site-01" in world.store.tables.incidents.locked
