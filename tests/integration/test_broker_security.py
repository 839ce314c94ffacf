"""Broker accounts generated from the registry: a device may publish only under its own topic and
read only its own commands; an officer only their own; nobody anonymous. The hub checks again."""

from __future__ import annotations

import asyncio
import queue
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from devices.contract import DeviceState
from devices.link import status_payload
from hub.adapters.mqtt.broker_conf import HUB_CLIENT_PREFIX, hub_account_name, routine_account_name
from hub.adapters.mqtt.credentials import district_accounts, with_credentials
from hub.config import Settings, load_district
from sentinel_dev.services import PrivateMosquitto
from simulators.button import press_payload
from tests.integration.conftest import HubUnderTest, district_broker, eventually, fetch_value, running_hub

NOT_AUTHORIZED = 135


class Device:
    """A device's own MQTT client, recording the broker's answers (reason codes)."""

    def __init__(self, port: int, username: str, password: str | None) -> None:
        self.acks: queue.Queue[int] = queue.Queue()
        self.subacks: queue.Queue[list[int]] = queue.Queue()
        self.connack: queue.Queue[int] = queue.Queue()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"{username}-{uuid.uuid4().hex[:4]}", protocol=mqtt.MQTTv5
        )
        if password is not None:
            self.client.username_pw_set(username, password)
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put(rc.value)
        self.client.on_publish = lambda c, u, mid, rc, p: self.acks.put(rc.value)
        self.client.on_subscribe = lambda c, u, mid, rcs, p: self.subacks.put([r.value for r in rcs])
        self.received: queue.Queue[str] = queue.Queue()
        self.client.on_message = lambda c, u, msg: self.received.put(msg.topic)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, topic: str, payload: bytes) -> int:
        self.client.publish(topic, payload, qos=1)
        return self.acks.get(timeout=5)

    def subscribe(self, topic: str) -> int:
        self.client.subscribe(topic, qos=1)
        return self.subacks.get(timeout=5)[0]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def secured(district_file: Path, hub_settings: Settings) -> Iterator[tuple[PrivateMosquitto, dict[str, str], str]]:
    prefix = f"s{uuid.uuid4().hex[:6]}"
    with district_broker(district_file, hub_settings, prefix) as (broker, passwords, hub):
        passwords["hub"] = passwords[hub]  # the hub's side in these tests, whatever its instance
        yield broker, passwords, prefix


@pytest.fixture
async def secured_hub(
    secured: tuple[PrivateMosquitto, dict[str, str], str], hub_settings: Settings
) -> AsyncIterator[HubUnderTest]:
    broker, passwords, prefix = secured
    update: dict[str, object] = {"mqtt_url": broker.url, "topic_prefix": prefix}
    if hub_settings.routine_process:  # this broker binds client ids to accounts: the routine process has its own
        routine = routine_account_name(hub_settings.instance_id)
        update["routine_mqtt_url"] = with_credentials(f"mqtt://127.0.0.1:{broker.port}", routine, passwords[routine])
    async with running_hub(hub_settings.model_copy(update=update)) as hub:
        yield hub


async def test_a_device_cannot_publish_for_another_site_and_nothing_is_stored(
    secured: tuple[PrivateMosquitto, dict[str, str], str], secured_hub: HubUnderTest
) -> None:
    broker, passwords, _ = secured
    db, topics = secured_hub.settings.database_url, secured_hub.topics
    assert db
    device = Device(broker.port, "btn-00-0", passwords["btn-00-0"])
    try:
        assert device.connack.get(timeout=5) == 0
        own = await asyncio.to_thread(device.publish, topics.button_event("site-00", "btn-00-0"), press_payload()[1])
        other = await asyncio.to_thread(device.publish, topics.button_event("site-01", "btn-01-0"), press_payload()[1])
        forged = await asyncio.to_thread(device.publish, topics.button_event("site-00", "btn-00-1"), press_payload()[1])
        assert own == 0 and other == NOT_AUTHORIZED and forged == NOT_AUTHORIZED
        # Its own commands it may read; another device's it never receives (Mosquitto grants the
        # subscription but checks read access on every delivery).
        mine, theirs = topics.button_feedback("site-00", "btn-00-0"), topics.button_feedback("site-01", "btn-01-0")
        for topic in (theirs, mine):
            await asyncio.to_thread(device.subscribe, topic)
        hub_side = Device(broker.port, hub_account_name(secured_hub.settings.instance_id), passwords["hub"])
        try:
            for topic in (theirs, mine):
                assert await asyncio.to_thread(hub_side.publish, topic, b'{"state": "received"}') == 0
        finally:
            hub_side.close()
        delivered = set()
        while True:
            try:
                delivered.add(await asyncio.to_thread(device.received.get, True, 1.0))
            except queue.Empty:
                break
        assert mine in delivered and theirs not in delivered
    finally:
        device.close()
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"))
    await asyncio.sleep(0.5)
    assert await fetch_value(db, "SELECT array_agg(device_id) FROM events") == ["btn-00-0"]
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0  # refused at the broker


async def test_the_routine_process_signs_in_with_an_account_of_its_own_that_cannot_touch_button_events(
    secured: tuple[PrivateMosquitto, dict[str, str], str], hub_settings: Settings
) -> None:
    broker, passwords, prefix = secured
    routine = routine_account_name(hub_settings.instance_id)
    settings = hub_settings.model_copy(
        update={
            "mqtt_url": broker.url,
            "topic_prefix": prefix,
            "routine_process": True,
            "routine_mqtt_url": with_credentials(f"mqtt://127.0.0.1:{broker.port}", routine, passwords[routine]),
        }
    )
    async with running_hub(settings) as hub:
        db, topics = settings.database_url, hub.topics
        assert db
        device = Device(broker.port, "btn-00-0", passwords["btn-00-0"])
        try:
            assert device.connack.get(timeout=5) == 0
            status_topic = topics.device_status("site-00", "button", "btn-00-0")

            async def status_stored() -> bool:  # sent again until the routine process is there to take it
                await asyncio.to_thread(device.publish, status_topic, status_payload(DeviceState.ONLINE, battery=77))
                return bool(await fetch_value(db, "SELECT count(*) FROM device_status WHERE battery = 77"))

            await eventually(status_stored, timeout=30, interval=0.5)
            press = topics.button_event("site-00", "btn-00-0")
            assert await asyncio.to_thread(device.publish, press, press_payload()[1]) == 0
        finally:
            device.close()
        # The press went through the main process, the status through the routine process: neither took the
        # other's session.
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"), timeout=30)
        assert hub.running.mqtt.reconnects == 0
    routine_side = Device(broker.port, routine, passwords[routine])
    try:
        assert routine_side.connack.get(timeout=5) == 0
        press = topics.button_event("site-00", "btn-00-0")
        assert await asyncio.to_thread(routine_side.publish, press, press_payload()[1]) == NOT_AUTHORIZED
    finally:
        routine_side.close()


async def test_anonymous_and_wrong_password_are_refused(secured: tuple[PrivateMosquitto, dict[str, str], str]) -> None:
    broker, _, _ = secured
    for username, password in (("anonymous", None), ("btn-00-0", "wrong")):
        device = Device(broker.port, username, password)
        try:
            assert device.connack.get(timeout=5) != 0
        finally:
            device.close()


async def test_an_officer_may_answer_only_their_own_dispatches(
    secured: tuple[PrivateMosquitto, dict[str, str], str], secured_hub: HubUnderTest
) -> None:
    broker, passwords, _ = secured
    topics = secured_hub.topics
    officer = Device(broker.port, "officer-o1", passwords["officer-o1"])
    try:
        assert officer.connack.get(timeout=5) == 0
        reply = b'{"dispatch_id": "1", "action": "accept", "ts": "2026-11-21T10:00:00+08:00"}'
        assert await asyncio.to_thread(officer.publish, topics.officer_reply("o1"), reply) == 0
        assert await asyncio.to_thread(officer.publish, topics.officer_reply("o2"), reply) == NOT_AUTHORIZED
    finally:
        officer.close()


def test_the_acl_names_each_device_topic_and_nothing_wider(district_file: Path) -> None:
    from hub.adapters.mqtt.credentials import acl_text

    accounts = district_accounts(load_district(district_file), "sentinel")
    text = acl_text(accounts)
    block = text.split("user btn-03-2\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block == [
        "topic write sentinel/v1/site/site-03/button/btn-03-2/event",
        "topic write sentinel/v1/site/site-03/button/btn-03-2/status",
        "topic read sentinel/v1/site/site-03/button/btn-03-2/feedback",
    ]
    assert "simulator" not in text
    # Wildcards only for the hub's own accounts (the main process's and its routine process's).
    assert "+" not in acl_text([a for a in accounts if not a.username.startswith(HUB_CLIENT_PREFIX)])


def test_a_camera_may_read_its_own_command_topic_and_no_other(district_file: Path) -> None:
    from hub.adapters.mqtt.credentials import acl_text

    text = acl_text(district_accounts(load_district(district_file), "sentinel"))
    block = text.split("user cam-03\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block == [  # the video verification `record` command (README, additions to the wire contract)
        "topic write sentinel/v1/site/site-03/camera/cam-03/event",
        "topic write sentinel/v1/site/site-03/camera/cam-03/status",
        "topic read sentinel/v1/site/site-03/camera/cam-03/command",
    ]
