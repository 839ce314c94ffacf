"""Device supervision: silence past interval + grace raises one device-offline incident per site;
the device's return closes it; a clean restart inside the grace raises nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from hub.config import Settings
from sentinel_dev.services import PrivateMosquitto
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub, write_district


@pytest.fixture
def watched_district(tmp_path: Path) -> Path:
    # Cameras report every 2 s with 1 s of grace; buttons and speakers keep their long intervals.
    return write_district(tmp_path / "watched.yaml", sites=3, buttons_per_site=1, camera_interval_s=2, grace_s=1)


@pytest.fixture
async def watched_hub(hub_settings: Settings, watched_district: Path) -> AsyncIterator[HubUnderTest]:
    async with running_hub(hub_settings, watched_district) as hub:
        yield hub


def heartbeat(link: DeviceLink, topics: Topics, site: str, kind: str, device: str, state: DeviceState) -> None:
    link.publish_and_wait(topics.device_status(site, kind, device), status_payload(state, battery=90), retain=True)


async def keep_alive(link: DeviceLink, topics: Topics, cameras: list[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for n in cameras:
            await asyncio.to_thread(heartbeat, link, topics, f"site-{n}", "camera", f"cam-{n}", DeviceState.ONLINE)
        await asyncio.sleep(0.5)


@pytest.mark.routine_process  # production layout: heartbeats in the routine process
async def test_a_silent_camera_goes_offline_within_interval_plus_grace_and_its_return_closes_the_incident(
    watched_hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db, topics = watched_hub.db, watched_hub.topics
    async with only_cam_00_falls_silent(watched_hub, device_link):
        silent_from = datetime.now(UTC)
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM incidents"), timeout=10)
        raised_after = (datetime.now(UTC) - silent_from).total_seconds()
        # interval 2 s + grace 1 s, found by a scan every 2 s
        assert 3.0 <= raised_after <= 6.5, raised_after
        row = await fetch_value(db, "SELECT row(site_id, kind, priority, state)::text FROM incidents")
        assert row == "(site-00,device_offline,3,new)"
        await asyncio.to_thread(heartbeat, device_link, topics, "site-00", "camera", "cam-00", DeviceState.ONLINE)
        await eventually(lambda: fetch_value(db, "SELECT state = 'resolved' FROM incidents"), timeout=5)
        assert await fetch_value(db, "SELECT count(*) FROM incidents") == 1  # the others kept talking
        types = await fetch_value(db, "SELECT array_agg(type ORDER BY id) FROM events WHERE device_id = 'cam-00'")
        assert types == ["offline", "online"]


async def test_a_clean_restart_inside_the_grace_raises_nothing(
    watched_hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db, topics = watched_hub.db, watched_hub.topics
    async with others_keep_reporting(device_link, topics):
        for _ in range(8):  # 4 s of restarts: offline, back 0.3 s later, heartbeat
            await asyncio.to_thread(heartbeat, device_link, topics, "site-00", "camera", "cam-00", DeviceState.OFFLINE)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(heartbeat, device_link, topics, "site-00", "camera", "cam-00", DeviceState.ONLINE)
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.5)  # one more scan
        assert await fetch_value(db, "SELECT count(*) FROM incidents") == 0
    # Then silence for good: now it goes offline.
    await eventually(lambda: fetch_value(db, "SELECT count(*) >= 1 FROM incidents"), timeout=10)


@pytest.mark.routine_process  # production layout: last wills in the routine process
async def test_a_whole_site_going_dark_is_one_incident_and_a_last_will_counts_as_silence(
    watched_hub: HubUnderTest, mqtt_broker: PrivateMosquitto
) -> None:
    db, topics = watched_hub.db, watched_hub.topics
    # Three cameras, each with its own link and Last Will, like real devices; then all drop dead.
    links = []
    for n in ("00", "01", "02"):
        will = (topics.device_status(f"site-{n}", "camera", f"cam-{n}"), status_payload(DeviceState.OFFLINE))
        link = DeviceLink(mqtt_broker.url, f"cam-{n}-{uuid.uuid4().hex[:4]}", will=will).connect()
        heartbeat(link, topics, f"site-{n}", "camera", f"cam-{n}", DeviceState.ONLINE)
        links.append(link)
    for link in links:
        link._client.socket().shutdown(socket.SHUT_RDWR)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 3 FROM incidents"), timeout=10)
    # One incident per site, not one per device or per heartbeat.
    assert await fetch_value(db, "SELECT count(DISTINCT site_id) FROM incidents") == 3
    assert await fetch_value(db, "SELECT sum(event_count) FROM incidents") == 3
    statuses = await fetch_value(db, "SELECT array_agg(DISTINCT state) FROM device_status")
    assert statuses == ["offline"]  # the Last Wills arrived
    for link in links:
        link._client.loop_stop()


async def test_every_registered_device_is_supervised_even_if_never_heard_from(watched_hub: HubUnderTest) -> None:
    db = watched_hub.db
    assert await fetch_value(db, "SELECT count(*) FROM device_health") == 9  # 3 sites × button, camera, speaker
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 3 FROM incidents"), timeout=10)
    source = await fetch_value(db, "SELECT payload->>'source' FROM events WHERE type = 'offline' LIMIT 1")
    assert source == "supervision"


async def test_a_fault_incident_left_open_by_an_instance_that_died_is_closed_by_the_sweep(
    watched_hub: HubUnderTest, device_link: DeviceLink
) -> None:
    """Devices coming back close their site's incident from a task beside ingest; if the instance dies
    before that task ran, the device is back (committed) but the incident is open: the sweep closes it."""
    db = watched_hub.db
    async with only_cam_00_falls_silent(watched_hub, device_link):
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM incidents"), timeout=10)
        # What a return committed by an instance that died before closing the incident leaves behind.
        await fetch_value(
            db,
            "UPDATE device_health SET online = true, offline_since = NULL, deadline_at = now() + interval '1 hour'"
            " WHERE device_id = 'cam-00' RETURNING 1",
        )
        assert await fetch_value(db, "SELECT state FROM incidents") == "new"
        assert await watched_hub.running.supervision.close_restored() == 1
        assert await fetch_value(db, "SELECT state FROM incidents") == "resolved"
        assert await watched_hub.running.supervision.close_restored() == 0  # nothing left to close


@contextlib.asynccontextmanager
async def only_cam_00_falls_silent(hub: HubUnderTest, link: DeviceLink) -> AsyncIterator[None]:
    """cam-00 reports once and then falls silent; the other sites' cameras keep reporting."""
    async with others_keep_reporting(link, hub.topics):
        await asyncio.to_thread(heartbeat, link, hub.topics, "site-00", "camera", "cam-00", DeviceState.ONLINE)
        yield


@contextlib.asynccontextmanager
async def others_keep_reporting(link: DeviceLink, topics: Topics) -> AsyncIterator[None]:
    """The cameras of site-01 and site-02 report every 0.5 s while the block runs."""
    stop = asyncio.Event()
    others = asyncio.create_task(keep_alive(link, topics, ["01", "02"], stop))
    try:
        yield
    finally:
        stop.set()
        await others
