"""`sentinel simulate load` against a hub: the configured rates are sent and acknowledged, every press is
confirmed by the hub (the resend rule's end-to-end check), and a stop ends the run cleanly."""

from __future__ import annotations

import asyncio
import threading

from hub.config import load_district
from sentinel_dev.services import PrivateMosquitto
from simulators.load import LoadDevice, LoadOptions, run_load
from tests.integration.conftest import HubUnderTest


def _devices(hub: HubUnderTest, heartbeat_s: float) -> list[LoadDevice]:
    district = load_district(hub.settings.district_file)
    return [LoadDevice(d.site_id, d.kind, d.id, heartbeat_s) for d in district.devices.values()]


async def test_load_holds_its_rates_and_the_hub_confirms_every_press(
    hub: HubUnderTest, mqtt_broker: PrivateMosquitto
) -> None:
    devices = _devices(hub, heartbeat_s=1.0)  # 70 devices: 70 status reports a second
    options = LoadOptions(
        url=mqtt_broker.url,
        topics=hub.topics,
        devices=devices,
        press_per_s=5.0,
        camera_per_s=2.0,
        duration_s=6.0,
        per_connection=20,  # 4 shared connections
        drain_s=60.0,
        report_every_s=2.0,
    )
    lines: list[str] = []
    result = await asyncio.to_thread(run_load, options, lines.append)
    text = "\n".join(lines)
    assert result.connections == result.connected == 4, text
    assert result.counts.status.sent == len(devices) * 6, text  # each device's first beat within the first second
    assert result.counts.press.sent == 30 and result.counts.camera.sent == 12, text
    assert result.counts.status.acked == result.counts.status.sent, text
    assert result.counts.confirmed == 30 and result.counts.given_up == 0, text
    assert result.held, text
    assert "hub kept up (every press confirmed by the end): yes" in text


async def test_a_stop_ends_an_open_ended_run_with_nothing_left_unacknowledged(
    hub: HubUnderTest, mqtt_broker: PrivateMosquitto
) -> None:
    options = LoadOptions(
        url=mqtt_broker.url,
        topics=hub.topics,
        devices=_devices(hub, heartbeat_s=0.5),
        press_per_s=0.0,
        camera_per_s=0.0,
        duration_s=None,
        per_connection=35,
        drain_s=30.0,
    )
    stop = threading.Event()
    threading.Timer(4.0, stop.set).start()
    result = await asyncio.wait_for(asyncio.to_thread(run_load, options, lambda _line: None, stop), 90)
    status = result.counts.status
    assert status.sent > 0 and status.acked == status.sent and status.failed == 0
    assert 2.0 < result.elapsed_s < 30.0
