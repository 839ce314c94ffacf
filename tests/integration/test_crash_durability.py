"""Durability rule: kill -9 the hub in the middle of a burst; after a restart every press is
stored exactly once (PUBACK only after commit; redeliveries are duplicates the store ignores)."""

from __future__ import annotations

import asyncio
import signal
import threading
from pathlib import Path

from devices.link import DeviceLink
from hub.config import Settings, load_district
from simulators.button import ButtonRef, burst
from tests.integration.conftest import (
    assert_each_press_stored_once,
    eventually,
    fetch_value,
    hub_process,
    process_ready,
    stop_hub_process,
)

PRESSES = 5000
BUTTONS = 50


async def test_kill_9_mid_burst_then_restart_stores_every_press_exactly_once(
    hub_settings: Settings, tmp_path: Path
) -> None:
    db = hub_settings.database_url
    assert db and hub_settings.mqtt_url
    district = load_district(hub_settings.district_file)
    buttons = [ButtonRef(d.site_id, d.id) for d in district.devices.values() if d.kind == "button"]
    assert len(buttons) == BUTTONS
    from devices.contract import Topics

    topics = Topics(hub_settings.topic_prefix)
    log = tmp_path / "hub.log"
    first = hub_process(hub_settings, log)
    try:
        await eventually(lambda: process_ready(hub_settings.http), timeout=30)
        link = DeviceLink(hub_settings.mqtt_url, "burst-guards").connect()
        # Paced so the burst is still being published when the hub dies.
        publisher = threading.Thread(target=burst, args=(link, topics, buttons, PRESSES, 1500.0, "crash"))
        publisher.start()
        await eventually(lambda: fetch_value(db, "SELECT count(*) >= 800 FROM events"), timeout=30, interval=0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        stored_at_kill = await fetch_value(db, "SELECT count(*) FROM events")
        assert publisher.is_alive(), "the burst ended before the kill: the test proves nothing"
        await asyncio.to_thread(publisher.join, 60)
        link.close()
    finally:
        if first.poll() is None:
            first.kill()
    assert isinstance(stored_at_kill, int) and stored_at_kill < PRESSES
    print(f"stored when killed: {stored_at_kill} of {PRESSES}")

    second = hub_process(hub_settings, log)
    try:
        await eventually(lambda: fetch_value(db, f"SELECT count(*) >= {PRESSES} FROM events"), timeout=60)
        await asyncio.sleep(1.0)  # anything redelivered late must not add to it
        await assert_each_press_stored_once(db, PRESSES)
        assert await fetch_value(db, "SELECT count(*) FROM incidents") == 10  # ten sites, one open incident each
    finally:
        stop_hub_process(second)
    assert second.returncode == 0, log.read_text()[-3000:]
