"""A guard's press travels button → MQTT → hub → PostgreSQL → console, live."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from datetime import UTC, datetime

import aiohttp

from devices.link import DeviceLink
from sentinel_dev.services import PrivateMosquitto
from simulators.button import ButtonRef, press, press_payload
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, get_json


def mosquitto_pub(broker: PrivateMosquitto, topic: str, payload: bytes | str) -> None:
    data = payload if isinstance(payload, bytes) else payload.encode()
    subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            "127.0.0.1",
            "-p",
            str(broker.port),
            "-q",
            "1",
            "-t",
            topic,
            "-s",
            *(["-u", broker.login[0], "-P", broker.login[1]] if broker.login else []),
        ],
        input=data,
        check=True,
        timeout=10,
    )


def panic_json(event_id: str | None = None) -> str:
    return json.dumps({"event_id": event_id or uuid.uuid4().hex, "type": "panic", "ts": datetime.now(UTC).isoformat()})


async def test_a_press_published_with_mosquitto_pub_reaches_the_console_stream_and_the_api(
    hub: HubUnderTest, mqtt_broker: PrivateMosquitto
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{hub.http}/api/v1/stream", headers=hub.headers) as ws,
    ):
        assert (await ws.receive_json(timeout=5))["type"] == "health"  # always first
        snapshot = await ws.receive_json(timeout=5)
        assert snapshot == {"type": "snapshot", "incidents": []}
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        await asyncio.to_thread(
            mosquitto_pub, mqtt_broker, hub.topics.button_event("site-03", "btn-03-1"), panic_json()
        )
        change = await ws.receive_json(timeout=5)
        latency = loop.time() - sent_at
    assert change["type"] == "incident"
    incident = change["incident"]
    assert incident["site_id"] == "site-03"
    assert incident["site_name"] == "测试银行03"
    assert (incident["kind"], incident["priority"], incident["state"], incident["event_count"]) == (
        "panic",
        1,
        "new",
        1,
    )
    assert latency < 1.0, f"press took {latency:.3f}s to reach the console"

    listed = await get_json(f"{hub.http}/api/v1/incidents?state=open", hub.token)
    assert [i["id"] for i in listed["incidents"]] == [incident["id"]]  # type: ignore[index]
    detail = await get_json(f"{hub.http}/api/v1/incidents/{incident['id']}", hub.token)
    assert detail["events"][0]["device_id"] == "btn-03-1"  # type: ignore[index]
    assert detail["timeline"][0]["action"] == "opened"  # type: ignore[index]


async def test_the_same_event_sent_twice_is_one_event(hub: HubUnderTest, mqtt_broker: PrivateMosquitto) -> None:
    db = hub.db
    payload = panic_json("resent-1")
    for _ in range(2):
        await asyncio.to_thread(mosquitto_pub, mqtt_broker, hub.topics.button_event("site-01", "btn-01-0"), payload)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"))
    await asyncio.sleep(0.5)  # the second copy has had time to arrive: still one
    assert await fetch_value(db, "SELECT count(*) FROM events") == 1
    assert await fetch_value(db, "SELECT event_count FROM incidents") == 1


async def test_five_presses_are_one_incident_with_event_count_five(hub: HubUnderTest) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{hub.http}/api/v1/stream", headers=hub.headers) as ws,
    ):
        await ws.receive_json(timeout=5)  # health
        await ws.receive_json(timeout=5)  # snapshot
        for _ in range(5):
            await asyncio.to_thread(mosquitto_pub_via_link, hub, "site-05", "btn-05-2")
        counts = []
        while not counts or counts[-1] < 5:
            change = await ws.receive_json(timeout=5)
            if change.get("type") == "incident":  # not the automatic dispatch's frame, nor health
                counts.append(change["incident"]["event_count"])
    listed = await get_json(f"{hub.http}/api/v1/incidents?state=open", hub.token)
    assert len(listed["incidents"]) == 1  # type: ignore[index]
    assert listed["incidents"][0]["event_count"] == 5  # type: ignore[index]
    assert counts == sorted(counts)


def mosquitto_pub_via_link(hub: HubUnderTest, site: str, device: str) -> None:
    link = DeviceLink(hub.settings.mqtt_url or "", f"guard-{uuid.uuid4().hex[:6]}").connect()
    try:
        press(link, hub.topics, ButtonRef(site, device))
    finally:
        link.close()


async def test_the_guard_is_told_the_press_was_received_within_a_second(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    event_id, feedback = await asyncio.to_thread(
        press, device_link, hub.topics, ButtonRef("site-02", "btn-02-0"), "panic", 3.0
    )
    assert [f["state"] for f in feedback] == ["received"]
    assert feedback[0]["event_id"] == event_id
    assert loop.time() - started < 1.5  # includes the simulator's 0.2 s subscription settle


async def test_a_malformed_payload_among_valid_ones_is_dead_lettered_and_the_rest_land(
    hub: HubUnderTest, mqtt_broker: PrivateMosquitto, device_link: DeviceLink
) -> None:
    db = hub.db
    topic = hub.topics.button_event("site-04", "btn-04-0")
    infos = []
    for n in range(20):
        _, payload = press_payload("panic", f"ok-{n}")
        infos.append(device_link.publish(topic, payload))
        if n == 10:
            infos.append(device_link.publish(topic, b'{"event_id": "bad", "type": "panic", "ts": '))
            infos.append(device_link.publish(hub.topics.button_event("site-04", "btn-unknown"), press_payload()[1]))
    for info in infos:
        info.wait_for_publish(5)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 20 FROM events"))
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 2 FROM dead_letters"))
    reasons = await fetch_value(db, "SELECT array_agg(reason ORDER BY reason) FROM dead_letters")
    assert reasons == ["malformed_json", "unknown_device"]
    assert await fetch_value(db, "SELECT event_count FROM incidents") == 20
    metrics = await _text(f"{hub.http}/metrics")
    assert 'sentinel_messages_rejected_total{reason="malformed_json"} 1.0' in metrics
    health = await get_json(f"{hub.http}/readyz")
    assert health["status"] == "ready"  # type: ignore[index]


async def test_a_device_status_is_recorded_and_a_stale_online_does_not_overwrite_a_newer_offline(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    topic = hub.topics.device_status("site-06", "camera", "cam-06")
    newer = json.dumps({"state": "offline", "ts": "2026-11-21T10:00:05+08:00", "battery": 80}).encode()
    older = json.dumps({"state": "online", "ts": "2026-11-21T10:00:00+08:00"}).encode()
    device_link.publish_and_wait(topic, newer)
    device_link.publish_and_wait(topic, older)
    await eventually(lambda: fetch_value(db, "SELECT count(*) FROM device_status"))
    await asyncio.sleep(0.3)
    assert await fetch_value(db, "SELECT state FROM device_status WHERE device_id = 'cam-06'") == "offline"


async def _text(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.text()


async def test_an_event_id_reused_with_other_content_is_dead_lettered_but_a_plain_resend_is_not(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    topic = hub.topics.button_event("site-08", "btn-08-0")
    now = datetime.now(UTC)
    original = json.dumps({"event_id": "e-1", "type": "panic", "ts": now.isoformat()}).encode()
    replayed = json.dumps({"event_id": "e-1", "type": "cancel", "ts": now.isoformat()}).encode()
    for payload in (original, original, replayed):
        await asyncio.to_thread(device_link.publish_and_wait, topic, payload)
    assert await eventually(lambda: fetch_value(db, "SELECT reason FROM dead_letters")) == "event_id_reused"
    assert await fetch_value(db, "SELECT count(*) FROM events") == 1
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 1
