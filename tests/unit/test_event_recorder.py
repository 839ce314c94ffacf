"""What ingest decides when it records events (hub.services.recording), on in-memory ports
(tests/unit/fakes): incidents opened or joined, duplicates, reused ids, busy sites. The same through
PostgreSQL and MQTT: tests/integration/test_lifecycle_flow.py, test_concurrent_writers.py."""

from __future__ import annotations

import json

from hub.domain.escalation import TimerKind
from tests.unit.fakes.world import TOPICS, World, district, press


def received(world: World, site: int = 1, button: int = 0) -> list[str]:
    """The event ids the button was told were received."""
    topic = TOPICS.button_feedback(f"site-{site:02d}", f"btn-{site:02d}-{button}")
    recorded = world.store.tables.outbox.messages
    return [json.loads(m.payload)["event_id"] for m in recorded if m.topic == topic]


async def test_a_panic_opens_one_incident_with_its_event_its_timers_and_a_received_confirmation() -> None:
    world = World()
    event = press(1, world.clock())

    result = await world.record(event)
    await world.store.tables.outbox.enqueue(result.outbound)  # as ingest does, in the same transaction

    tables = world.store.tables
    (incident,) = tables.incidents.rows.values()
    assert result.opened == 1 and incident.site_id == "site-01" and incident.kind == "panic"
    assert incident.id is not None and tables.events.events_of(incident.id) == [event]
    # P1: the acknowledgement and arrival targets, and routing at once (auto-dispatch).
    assert tables.timers.kinds_of(incident.id) == {TimerKind.ACK, TimerKind.ARRIVAL, TimerKind.ROUTE}
    assert received(world) == [event.event_id]
    assert "site-01" in tables.incidents.locked


async def test_a_second_press_at_the_site_joins_its_open_incident() -> None:
    world = World()
    first = await world.record(press(1, world.clock()))
    world.clock.advance(10)

    second = await world.record(press(1, world.clock(), button=1))

    (incident,) = world.store.tables.incidents.rows.values()
    assert second.opened == 0 and second.incident_of_site == first.incident_of_site
    assert incident.event_count == 2
    assert incident.id is not None and len(world.store.tables.events.events_of(incident.id)) == 2


async def test_a_resent_event_is_stored_once_and_confirmed_again() -> None:
    world = World()
    event = press(1, world.clock())
    await world.record(event)

    again = await world.record(event)

    assert again.new_events == [] and again.reused == [] and again.opened == 0
    assert len(world.store.tables.events.rows) == 1
    assert [json.loads(m.payload)["event_id"] for m in again.outbound] == [event.event_id]


async def test_an_event_id_reused_for_other_content_is_reported_and_neither_stored_nor_confirmed() -> None:
    world = World()
    await world.record(press(1, world.clock(), event_id="same"))
    world.clock.advance(60)

    replay = await world.record(press(1, world.clock(), kind="duress", event_id="same"))

    assert [e.type for e in replay.reused] == ["duress"] and replay.outbound == []
    (stored,) = world.store.tables.events.rows.values()
    assert stored[1].type == "panic"


async def test_events_of_a_site_another_writer_holds_are_deferred_and_the_other_sites_recorded() -> None:
    world = World()
    world.store.tables.incidents.busy_sites = {"site-01"}
    busy, free = press(1, world.clock()), press(2, world.clock())

    result = await world.record(busy, free, defer_busy_sites=True)

    assert result.deferred == [busy] and result.new_events == [free]
    assert [i.site_id for i in world.store.tables.incidents.rows.values()] == ["site-02"]


async def test_a_press_at_a_site_in_test_mode_opens_a_test_incident_with_no_timers() -> None:
    world = World(district=district(sites=2, test_mode_sites=1))  # site-00 is in test mode

    result = await world.record(press(0, world.clock()))

    incident = world.store.tables.incidents.rows[result.incident_of_site["site-00"]]
    assert incident.test and world.store.tables.timers.pending == {}
