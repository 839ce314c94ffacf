"""The lifecycle service's commands on in-memory ports (tests/unit/fakes): what each command writes, what it
queues for the devices and officers, and that a refused command leaves nothing behind. The same behaviour
through PostgreSQL and MQTT: tests/integration/test_lifecycle_flow.py and test_lifecycle_rest.py."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from devices.contract import OfficerAction
from hub.domain.dispatch import DispatchState
from hub.domain.escalation import Timer, TimerKind
from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition, IllegalTransition
from hub.services.lifecycle import LifecycleService, NotAllowed, NotFound, OfficerReplyCommand
from hub.services.ports import Lease, LeaseLost
from tests.unit.fakes.world import TOPICS, World


def lifecycle(world: World) -> LifecycleService:
    return LifecycleService(world.store, world.district, TOPICS, world.clock)


def feedback_states(world: World) -> list[str]:
    topic = TOPICS.button_feedback("site-01", "btn-01-0")
    return [json.loads(m.payload)["state"] for m in world.store.tables.outbox.messages if m.topic == topic]


async def dispatched_to_o1(world: World) -> tuple[LifecycleService, int, int]:
    """An incident at site-01 dispatched to its grid's officer o1: (service, incident, dispatch)."""
    service = lifecycle(world)
    await service.sign_on("o1", True, "officer:o1")
    incident_id = await world.open_incident(1)
    await service.dispatch(incident_id, "user:desk")
    (dispatch,) = await world.store.tables.dispatches.dispatches_of(incident_id)
    assert dispatch.id is not None
    return service, incident_id, dispatch.id


async def test_acknowledging_records_the_transition_tells_the_guard_audits_and_announces() -> None:
    world = World()
    incident_id = await world.open_incident(1)

    incident = await lifecycle(world).acknowledge(incident_id, "user:desk")

    tables = world.store.tables
    assert incident.state is IncidentState.ACKNOWLEDGED and tables.incidents.rows[incident_id] == incident
    assert tables.incidents.actions_of(incident_id)[-1] == "acknowledge"
    assert "site-01" in tables.incidents.locked  # the site's lock, as every writer of its incidents takes it
    assert feedback_states(world)[-1] == "acknowledged"
    assert tables.audit_log.entries[-1][:3] == ("user:desk", "incident.acknowledge", f"incident:{incident_id}")
    assert incident_id in tables.changes.incidents


async def test_an_unknown_incident_is_not_found_and_nothing_is_written() -> None:
    world = World()
    with pytest.raises(NotFound):
        await lifecycle(world).acknowledge(99, "user:desk")
    assert world.store.rollbacks == 1 and not world.store.tables.audit_log.entries


async def test_dispatch_offers_the_incident_to_the_sites_grid_officer_with_an_accept_deadline() -> None:
    world = World()
    _, incident_id, dispatch_id = await dispatched_to_o1(world)

    tables = world.store.tables
    dispatch = tables.dispatches.rows[dispatch_id]
    assert (dispatch.officer_id, dispatch.state) == ("o1", DispatchState.OFFERED)
    assert tables.incidents.rows[incident_id].state is IncidentState.DISPATCHED
    offer = next(m for m in tables.outbox.messages if m.topic == TOPICS.officer_dispatch("o1"))
    assert json.loads(offer.payload)["dispatch_id"] == str(dispatch_id)
    # The accept deadline replaces the routing timer: the desk already chose.
    assert TimerKind.ACCEPT in tables.timers.kinds_of(incident_id)
    assert TimerKind.ROUTE not in tables.timers.kinds_of(incident_id)
    assert feedback_states(world)[-1] == "dispatched"
    assert dispatch_id in tables.changes.dispatches


async def test_dispatch_with_nobody_signed_on_routes_to_the_supervisor() -> None:
    world = World()
    incident_id = await world.open_incident(1)

    await lifecycle(world).dispatch(incident_id, "user:desk")

    (dispatch,) = await world.store.tables.dispatches.dispatches_of(incident_id)
    assert dispatch.officer_id == "sup" and dispatch.rule.value == "supervisor"


async def test_an_officer_accepting_moves_incident_and_dispatch_to_accepted_and_stops_the_accept_timer() -> None:
    world = World()
    service, incident_id, dispatch_id = await dispatched_to_o1(world)

    incident = await service.officer_reply(OfficerReplyCommand("o1", dispatch_id, OfficerAction.ACCEPT, world.clock()))

    tables = world.store.tables
    assert incident.state is IncidentState.ACCEPTED
    assert tables.dispatches.rows[dispatch_id].state is DispatchState.ACCEPTED
    assert TimerKind.ACCEPT not in tables.timers.kinds_of(incident_id)
    assert tables.audit_log.actions()[-1] == "dispatch.accept"


async def test_a_repeated_accept_changes_nothing() -> None:
    world = World()
    service, incident_id, dispatch_id = await dispatched_to_o1(world)
    accept = OfficerReplyCommand("o1", dispatch_id, OfficerAction.ACCEPT, world.clock())
    await service.officer_reply(accept)
    timeline = world.store.tables.incidents.actions_of(incident_id)

    await service.officer_reply(accept)  # a redelivery

    assert world.store.tables.incidents.actions_of(incident_id) == timeline


async def test_an_officer_cannot_answer_another_officers_dispatch() -> None:
    world = World()
    service, incident_id, dispatch_id = await dispatched_to_o1(world)

    with pytest.raises(NotAllowed):
        await service.officer_reply(OfficerReplyCommand("o3", dispatch_id, OfficerAction.ACCEPT, world.clock()))

    assert world.store.tables.dispatches.rows[dispatch_id].state is DispatchState.OFFERED
    assert world.store.tables.incidents.rows[incident_id].state is IncidentState.DISPATCHED


async def test_a_decline_sends_the_next_officer_the_routing_rules_choose() -> None:
    world = World()
    service, incident_id, dispatch_id = await dispatched_to_o1(world)

    await service.officer_reply(OfficerReplyCommand("o1", dispatch_id, OfficerAction.DECLINE, world.clock()))

    first, second = await world.store.tables.dispatches.dispatches_of(incident_id)
    assert first.state is DispatchState.DECLINED
    assert second.officer_id != "o1" and second.state is DispatchState.OFFERED


async def test_resolving_completes_the_active_dispatch_cancels_every_timer_and_tells_the_guard() -> None:
    world = World()
    service, incident_id, dispatch_id = await dispatched_to_o1(world)
    await service.officer_reply(OfficerReplyCommand("o1", dispatch_id, OfficerAction.ACCEPT, world.clock()))

    incident = await service.resolve(incident_id, "user:desk", Disposition.GENUINE, "caught")

    tables = world.store.tables
    assert incident.state is IncidentState.RESOLVED and incident.disposition == "genuine"
    assert tables.dispatches.rows[dispatch_id].state is DispatchState.COMPLETED
    assert tables.timers.kinds_of(incident_id) == set()
    assert feedback_states(world)[-1] == "resolved"
    assert tables.audit_log.entries[-1][3] == {"disposition": "genuine", "note": "caught"}


async def test_an_illegal_transition_is_refused_and_rolls_back_the_whole_command() -> None:
    world = World()
    service = lifecycle(world)
    incident_id = await world.open_incident(1)
    await service.resolve(incident_id, "user:desk", Disposition.FALSE_ALARM)
    before = (list(world.store.tables.incidents.timeline), list(world.store.tables.audit_log.entries))

    with pytest.raises(IllegalTransition):
        await service.acknowledge(incident_id, "user:desk")

    assert (world.store.tables.incidents.timeline, world.store.tables.audit_log.entries) == before
    assert world.store.tables.incidents.rows[incident_id].state is IncidentState.RESOLVED


async def test_an_unacknowledged_incident_escalates_when_its_ack_timer_fires_and_the_timer_is_armed_again() -> None:
    world = World()
    service = lifecycle(world)
    incident_id = await world.open_incident(1)
    await service.sign_on("o1", True, "officer:o1")
    world.clock.advance(31)  # past the P1 acknowledgement target (30 s)

    fired = await service.fire_due_timers("hub-a")

    tables = world.store.tables
    assert fired >= 2  # the routing timer (due at once) and the acknowledgement timer
    assert tables.incidents.rows[incident_id].escalation_count == 1
    assert TimerKind.ACK in tables.timers.kinds_of(incident_id)  # alerting goes on until someone acknowledges
    assert {t.kind for t in tables.timers.fired} >= {TimerKind.ROUTE, TimerKind.ACK}


async def test_a_leader_that_lost_its_lease_fires_no_timer() -> None:
    world = World()
    incident_id = await world.open_incident(1)
    world.store.tables.lease.current = Lease("timers", "hub-b", 2)  # taken over
    world.clock.advance(31)

    with pytest.raises(LeaseLost):
        await lifecycle(world).fire_due_timers("hub-a", Lease("timers", "hub-a", 1))

    assert world.store.tables.timers.fired == []
    assert world.store.tables.incidents.rows[incident_id].escalation_count == 0


async def test_an_ack_timer_during_a_talk_down_watch_holds_the_alert_until_the_verdict_then_the_ack_target() -> None:
    world = World()
    service = lifecycle(world)
    incident_id = await world.open_incident(1)
    verdict_at = world.clock() + timedelta(seconds=40)
    await world.store.tables.timers.schedule_timers([Timer(TimerKind.TALKDOWN, incident_id, verdict_at)])
    world.clock.advance(31)  # past the P1 acknowledgement target (30 s), before the verdict

    await service.fire_due_timers("hub-a")

    tables = world.store.tables
    assert tables.incidents.rows[incident_id].escalation_count == 0
    assert "escalation_held" in tables.incidents.actions_of(incident_id)
    assert await tables.timers.pending_timer(incident_id, TimerKind.ACK) == verdict_at + timedelta(seconds=30)
    assert await tables.timers.pending_timer(incident_id, TimerKind.TALKDOWN) == verdict_at
