"""Device supervision on in-memory ports (tests/unit/fakes): silence past the deadline raises a
device-offline incident, the device heard again closes it. The same through PostgreSQL and MQTT:
tests/integration/test_supervision.py."""

from __future__ import annotations

import pytest

from hub.domain.events import DeviceEvent
from hub.domain.incidents import IncidentState
from hub.services.intake import AcceptedEvent
from hub.services.lifecycle import LifecycleService
from hub.services.ports import Lease, LeaseLost
from hub.services.recording import EventRecorder
from hub.services.supervision import SupervisionService
from tests.unit.fakes.world import TOPICS, World, district


def supervised() -> tuple[World, SupervisionService]:
    # The cameras report every 60 s (30 s grace); buttons and speakers far less often (their kinds' defaults).
    world = World(district=district(sites=2, buttons_per_site=1))
    lifecycle = LifecycleService(world.store, world.district, TOPICS, world.clock)
    recorder = EventRecorder(world.district, TOPICS)
    return world, SupervisionService(world.store, world.district, recorder, lifecycle, world.clock)


def heartbeat(world: World, camera: str = "cam-01") -> AcceptedEvent:
    now = world.clock()
    return AcceptedEvent(DeviceEvent("site-01", camera, "camera", f"hb-{now.timestamp()}", "heartbeat", now, now), {})


async def test_a_camera_silent_past_interval_and_grace_goes_offline_and_opens_a_device_offline_incident() -> None:
    world, supervision = supervised()
    await supervision.seed()
    world.clock.advance(89)
    assert await supervision.scan() == 0  # within the interval and grace

    world.clock.advance(2)
    offline = await supervision.scan()

    tables = world.store.tables
    assert offline == 2 and not tables.devices.rows["cam-01"].online  # both sites' cameras
    kinds = {(i.site_id, i.kind) for i in tables.incidents.rows.values()}
    assert kinds == {("site-00", "device_offline"), ("site-01", "device_offline")}


async def test_a_camera_heard_again_comes_back_and_its_sites_device_offline_incident_closes() -> None:
    world, supervision = supervised()
    await supervision.seed()
    world.clock.advance(91)
    await supervision.scan()

    async with world.store.transaction() as tx:
        back = await supervision.heard(tx, [heartbeat(world)], [], world.clock())
    closed = await supervision.close_restored([site for site, _ in back])

    tables = world.store.tables
    assert back == [("site-01", "cam-01")] and closed == 1
    by_site = {i.site_id: i.state for i in tables.incidents.rows.values() if i.kind == "device_offline"}
    assert by_site == {"site-00": IncidentState.NEW, "site-01": IncidentState.RESOLVED}


async def test_a_scan_without_the_lease_marks_nobody_offline() -> None:
    world, supervision = supervised()
    await supervision.seed()
    world.clock.advance(91)

    with pytest.raises(LeaseLost):
        await supervision.scan(Lease("timers", "hub-a", 1))

    assert all(h.online for h in world.store.tables.devices.rows.values())
