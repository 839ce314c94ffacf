"""Guided response on in-memory ports (tests/unit/fakes): ticking steps by a click or by what the hub sees,
and resolving with a required step open. The same through PostgreSQL: tests/integration/test_response_steps.py."""

from __future__ import annotations

import pytest

from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition
from hub.domain.steps import SeenAction
from hub.services.lifecycle import LifecycleService
from hub.services.steps import StepService, StepsOpen, UnknownStep
from tests.unit.fakes.world import TOPICS, World, district

PLAN = {
    "incident_kinds": ["panic"],
    "steps": [
        {"id": "view", "label": {"zh-CN": "看摄像机", "en": "View the camera"}, "done_by": "live_view"},
        {"id": "call", "label": {"en": "Call the guard"}, "required": True},
    ],
}


def steps_world() -> World:
    return World(district=district(sites=2, extra={"response_steps": [PLAN]}))


async def test_a_step_clicked_done_is_marked_once_with_its_note_and_the_first_mark_stays() -> None:
    world = steps_world()
    service = StepService(world.store, world.district, world.clock)
    incident_id = await world.open_incident(1)

    assert await service.complete(incident_id, "call", "user:desk", "guard is fine")
    world.clock.advance(5)
    assert not await service.complete(incident_id, "call", "user:other")

    mark = world.store.tables.steps.done[incident_id]["call"]
    assert (mark["actor"], mark["note"], mark["automatic"]) == ("user:desk", "guard is fine", False)
    assert world.store.tables.incidents.actions_of(incident_id).count("step_done") == 1
    assert world.store.tables.audit_log.actions().count("incident.step") == 1


async def test_a_step_the_incidents_plan_does_not_have_is_refused() -> None:
    world = steps_world()
    incident_id = await world.open_incident(1)
    with pytest.raises(UnknownStep):
        await StepService(world.store, world.district, world.clock).complete(incident_id, "fly", "user:desk")
    assert world.store.tables.steps.done == {}


async def test_watching_a_sites_camera_live_ticks_the_open_incidents_view_step_by_itself() -> None:
    world = steps_world()
    incident_id = await world.open_incident(1)

    marked = await StepService(world.store, world.district, world.clock).seen_at_site(
        "site-01", SeenAction.LIVE_VIEW, "user:desk"
    )

    assert marked == ["view"] and world.store.tables.steps.done[incident_id]["view"]["automatic"] is True
    assert "site-01" in world.store.tables.incidents.locked


async def test_resolving_with_a_required_step_open_needs_a_reason_which_the_timeline_keeps() -> None:
    world = steps_world()
    lifecycle = LifecycleService(world.store, world.district, TOPICS, world.clock)
    incident_id = await world.open_incident(1)

    with pytest.raises(StepsOpen):
        await lifecycle.resolve(incident_id, "user:desk", Disposition.FALSE_ALARM)
    assert world.store.tables.incidents.rows[incident_id].state is IncidentState.NEW

    await lifecycle.resolve(incident_id, "user:desk", Disposition.FALSE_ALARM, steps_reason="guard unreachable")

    assert world.store.tables.incidents.actions_of(incident_id)[-2:] == ["steps_skipped", "resolve"]
    assert world.store.tables.audit_log.entries[-1][3]["steps_open"] == ["call"]
