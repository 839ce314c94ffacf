"""The alarm lane: a panic press is committed and on the console while a routine backlog still drains."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import aiohttp
import pytest

from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from hub.app import Hub, RunningHub
from hub.config import Settings, load_district
from simulators.button import press_payload
from tests.integration.conftest import (
    bearer,
    create_api_token,
    eventually,
    fetch_value,
    incident_on_stream,
    running_hub,
)

BACKLOG = 10_000


def queue_backlog_then_panic(settings: Settings, heartbeats: int) -> str:
    """`heartbeats` status reports from every button of the district, then one panic press, all queued
    at the broker for the (stopped) hub's session in that order. Returns the press's event id."""
    assert settings.mqtt_url
    topics = Topics(settings.topic_prefix)
    devices = [(f"site-{s:02d}", f"btn-{s:02d}-{b}") for s in range(10) for b in range(5)]
    link = DeviceLink(settings.mqtt_url, f"backlog-{uuid.uuid4().hex[:6]}").connect()
    try:
        infos = [
            link.publish(topics.device_status(site, "button", device), status_payload(DeviceState.ONLINE, battery=90))
            for n in range(heartbeats)
            for site, device in [devices[n % len(devices)]]
        ]
        event_id, payload = press_payload("panic", f"lane-{uuid.uuid4().hex[:6]}")
        infos.append(link.publish(topics.button_event("site-07", "btn-07-2"), payload))
        for info in infos:
            info.wait_for_publish(60)
        assert all(info.is_published() for info in infos)
    finally:
        link.close()
    return event_id


@pytest.mark.one_process(
    "reads the routine backlog from the main process's MQTT client, which holds no routine traffic when the"
    " routine lane has a process of its own (test_routine_process has this test for that layout)"
)
async def test_a_panic_press_is_committed_and_announced_while_a_routine_backlog_of_ten_thousand_still_drains(
    hub_settings: Settings,
) -> None:
    async with running_hub(hub_settings):
        pass  # the hub's persistent session now exists at the broker; the hub is stopped
    assert hub_settings.database_url
    token = await create_api_token(hub_settings.database_url)
    # The press is queued behind the whole routine backlog at the broker.
    event_id = await asyncio.to_thread(queue_backlog_then_panic, hub_settings, BACKLOG)

    started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(Hub(hub_settings, load_district(hub_settings.district_file)).run(started))
    try:
        running = await asyncio.wait_for(started, 30)
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{running.http_url}/api/v1/stream", headers=bearer(token)) as ws,
        ):
            panic = await incident_on_stream(ws, "site-07", "panic")
            assert panic is not None, "the panic never reached the console"
            # Announced while the routine lane still had heartbeats received and not yet committed.
            still_draining = running.mqtt.backlog
        assert still_draining > 0, "the panic was announced only once the routine backlog was gone"
        # The press is stored once, and the routine backlog drains fully after it.
        db = hub_settings.database_url
        assert await fetch_value(db, "SELECT count(*) FROM events WHERE event_id = $1", event_id) == 1

        async def drained() -> bool:
            return running.mqtt.backlog == 0

        await eventually(drained, timeout=120)
        assert await fetch_value(db, "SELECT count(*) FROM device_status") == 50
        assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
