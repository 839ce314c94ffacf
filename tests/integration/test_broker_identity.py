"""Broker identity bound to the account (issue 13, finding 1), against real Mosquitto configured as the
production recipe: no device or officer account can take the hub's MQTT session, nor another device's,
whatever client id it asks for; presses queued for the offline hub survive every attempt; a publish
past the message size limit is refused by the broker."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from devices.contract import Topics
from hub.config import Settings
from sentinel_dev.services import PrivateMosquitto
from simulators.button import press_payload
from tests.integration.conftest import district_broker, eventually, fetch_value, running_hub


@dataclass
class Broker:
    mosquitto: PrivateMosquitto
    passwords: dict[str, str]
    hub_account: str
    settings: Settings  # the hub's, pointed at this broker

    @property
    def attackers(self) -> list[str]:
        """Every device and officer account of the district."""
        return sorted(name for name in self.passwords if name != self.hub_account)


@pytest.fixture
def broker(district_file: Path, hub_settings: Settings) -> Iterator[Broker]:
    prefix = f"id{uuid.uuid4().hex[:6]}"
    limit = hub_settings.max_camera_payload_bytes
    with district_broker(district_file, hub_settings, prefix, max_message_bytes=limit) as (mosquitto, passwords, hub):
        settings = hub_settings.model_copy(update={"mqtt_url": mosquitto.url, "topic_prefix": prefix})
        yield Broker(mosquitto, passwords, hub, settings)


class Client:
    """One MQTT 5 connection as `username`, asking for `client_id`; records CONNACK, PUBACK reason
    codes and whether the broker ever dropped it."""

    def __init__(self, port: int, username: str, password: str, client_id: str, *, clean_start: bool = True) -> None:
        self.connack: queue.Queue[int] = queue.Queue()
        self.pubacks: queue.Queue[int] = queue.Queue()
        self.dropped = threading.Event()
        self._closing = False
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put(rc.value)
        self.client.on_publish = lambda c, u, mid, rc, p: self.pubacks.put(rc.value)
        self.client.on_disconnect = lambda *_: None if self._closing else self.dropped.set()
        self.received: queue.Queue[bytes] = queue.Queue()
        self.client.on_message = lambda c, u, msg: self.received.put(msg.payload)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subacks.put(rcs[0].value)
        self.subacks: queue.Queue[int] = queue.Queue()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 0 if clean_start else 7 * 24 * 3600  # a persistent session
        self.client.connect("127.0.0.1", port, clean_start=clean_start, properties=properties)
        self.client.loop_start()
        if self.connack.get(timeout=10) != 0:
            raise AssertionError(f"{username} was refused")

    def publish(self, topic: str, payload: bytes) -> int:
        self.client.publish(topic, payload, qos=1)
        return self.pubacks.get(timeout=10)

    def publish_or_drop(self, topic: str, payload: bytes) -> int | None:
        """The PUBACK's reason code, or None when the broker dropped the connection instead."""
        self.dropped.clear()
        self.client.publish(topic, payload, qos=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                return self.pubacks.get(timeout=0.05)
            if self.dropped.is_set():
                return None
        raise AssertionError("neither a PUBACK nor a disconnect")

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        assert self.subacks.get(timeout=10) < 0x80

    def close(self) -> None:
        self._closing = True
        self.client.disconnect()
        self.client.loop_stop()


def try_every_takeover(broker: Broker, victims: list[str]) -> int:
    """Every other device and officer account connects asking for each victim's client id, with a
    clean and with a persistent session. Returns the number of attempts."""
    attempts = 0
    for account in broker.attackers:
        if account in victims:
            continue  # a second connection of the victim's own account replaces it: one device, one account
        for victim in victims:
            for clean_start in (True, False):
                attacker = Client(
                    broker.mosquitto.port, account, broker.passwords[account], victim, clean_start=clean_start
                )
                attacker.close()
                attempts += 1
    return attempts


@pytest.mark.one_process(
    "moves the hub to a broker of its own that binds client ids to accounts (and for TLS, certificates): the"
    " routine process would need its own account and URL there, which test_broker_security gives it"
)
async def test_no_device_account_can_take_the_hubs_client_id_or_another_devices(broker: Broker) -> None:
    db = broker.settings.database_url
    assert db
    topics = Topics(broker.settings.topic_prefix)
    async with running_hub(broker.settings) as hub:
        victim = Client(broker.mosquitto.port, "btn-00-0", broker.passwords["btn-00-0"], "btn-00-0")
        try:
            attempts = await asyncio.to_thread(try_every_takeover, broker, [broker.hub_account, "btn-00-0"])
            # 70 devices and 5 officers of the test district (less the victim), and the hub's routine process
            # account, two ways
            assert attempts == 75 * 2 * 2
            await asyncio.sleep(1.0)  # a kicked client would have been told by now
            assert hub.running.mqtt.reconnects == 0 and hub.running.mqtt.connected
            assert not victim.dropped.is_set()
            # Both still work: the device's press reaches the hub and is stored.
            _, payload = press_payload()
            assert await asyncio.to_thread(victim.publish, topics.button_event("site-00", "btn-00-0"), payload) == 0
        finally:
            victim.close()
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"))
    assert "already connected" not in broker.mosquitto.log_path.read_text()


async def test_presses_queued_for_the_offline_hub_survive_every_takeover_attempt(broker: Broker) -> None:
    db = broker.settings.database_url
    assert db
    topics = Topics(broker.settings.topic_prefix)
    async with running_hub(broker.settings):
        pass  # the hub's persistent session and its subscriptions now live in the broker
    buttons = [f"btn-{site:02d}-{n}" for site in range(4) for n in range(5)]
    for button in buttons:
        device = Client(broker.mosquitto.port, button, broker.passwords[button], button)
        try:
            site = "site-" + button.split("-")[1]
            assert await asyncio.to_thread(device.publish, topics.button_event(site, button), press_payload()[1]) == 0
        finally:
            device.close()
    await asyncio.to_thread(try_every_takeover, broker, [broker.hub_account])
    async with running_hub(broker.settings):
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 20 FROM events"), timeout=20)
        await asyncio.sleep(0.5)
        assert await fetch_value(db, "SELECT count(DISTINCT device_id) FROM events") == 20


async def test_the_broker_drops_a_publish_past_the_message_size_limit(broker: Broker) -> None:
    limit = broker.settings.max_camera_payload_bytes
    topic = Topics(broker.settings.topic_prefix).camera_event("site-00", "cam-00")
    hub_side = Client(broker.mosquitto.port, broker.hub_account, broker.passwords[broker.hub_account], "hub")
    camera = Client(broker.mosquitto.port, "cam-00", broker.passwords["cam-00"], "cam-00")
    try:
        hub_side.subscribe(topic)
        assert await asyncio.to_thread(camera.publish, topic, b"a" * limit) == 0
        oversized = await asyncio.to_thread(camera.publish_or_drop, topic, b"b" * (limit + 1))
        assert oversized is None or oversized >= 0x80  # refused, or disconnected (paho takes 0x95 so)
        camera.close()
        assert await asyncio.to_thread(hub_side.received.get, True, 10) == b"a" * limit
        with pytest.raises(queue.Empty):
            await asyncio.to_thread(hub_side.received.get, True, 1.5)
    finally:
        camera.close()
        hub_side.close()
