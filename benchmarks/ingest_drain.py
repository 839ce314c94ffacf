"""The ingest benchmark's drain (see benchmarks.ingest): an N-press backlog queued at the broker while the hub
was down, drained by the hub against a bare paho subscriber draining its own copy of it from the same broker."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from benchmarks.common import Services, fresh_database, query, retire_database, start_hub, wait_ready
from devices.contract import Topics
from devices.link import DeviceLink
from devices.mqtt_url import parse_mqtt_url
from sentinel_dev.services import free_port
from simulators.button import ButtonRef, burst

SITES, BUTTONS = 50, 4  # the drain's district


def _paho(url: str, client_id: str, clean: bool) -> paho.Client:
    endpoint = parse_mqtt_url(url)
    client = paho.Client(
        callback_api_version=paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
    )
    if endpoint.username:
        client.username_pw_set(endpoint.username, endpoint.password or "")
    client.user_data_set((endpoint.host, endpoint.port, clean))
    return client


def _connect(client: paho.Client) -> None:
    host, port, clean = client.user_data_get()
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0 if clean else 3600
    properties.ReceiveMaximum = 20_000
    client.connect(host, port, keepalive=30, clean_start=clean, properties=properties)


class BareSubscriber:
    """The baseline: paho, a persistent session, QoS 1, nothing done per message but counting."""

    def __init__(self, url: str, topic_filter: str) -> None:
        self._url = url
        self._filter = topic_filter
        self._client_id = f"bare-{uuid.uuid4().hex[:8]}"

    def _client(self, on_message: Callable[[], None] | None = None) -> paho.Client:
        client = _paho(self._url, self._client_id, clean=False)
        subscribed = threading.Event()
        client.on_connect = lambda c, *_: c.subscribe(self._filter, qos=1)
        client.on_subscribe = lambda *_: subscribed.set()
        if on_message is not None:
            client.on_message = lambda *_: on_message()
        client._bench_subscribed = subscribed  # type: ignore[attr-defined]
        return client

    def create_session(self) -> None:
        client = self._client()
        _connect(client)
        client.loop_start()
        client._bench_subscribed.wait(10)  # type: ignore[attr-defined]
        client.disconnect()
        client.loop_stop()

    def drain(self, count: int, timeout: float = 300) -> float:
        """Messages per second from connecting until the `count`-th message arrived."""
        received = 0
        done = threading.Event()

        def on_message() -> None:
            nonlocal received
            received += 1
            if received >= count:
                done.set()

        client = self._client(on_message)
        started = time.perf_counter()
        _connect(client)
        client.loop_start()
        if not done.wait(timeout):
            raise TimeoutError(f"the bare subscriber got {received} of {count}")
        seconds = time.perf_counter() - started
        client.disconnect()
        client.loop_stop()
        return count / seconds


def drain_run(services: Services, district: Path, presses: int) -> tuple[float, float, float, float]:
    """(hub presses/s with its start, bare paho messages/s) from the same backlog in the same broker, then
    where the hub's time went: seconds from its start to its first commit, presses/s from there on."""
    db = asyncio.run(fresh_database(services))
    prefix = f"b{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    port = free_port()
    extra = {"SENTINEL_INSTANCE": f"bench-{uuid.uuid4().hex[:6]}"}
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    wait_ready(port)  # the hub's persistent session (and its database) now exist
    hub.terminate()
    hub.wait(20)
    bare = BareSubscriber(services.mqtt_url, f"{prefix}/v1/site/+/button/+/event")
    bare.create_session()
    buttons = [ButtonRef(f"site-{s:02d}", f"btn-{s:02d}-{b}") for s in range(SITES) for b in range(BUTTONS)]
    link = DeviceLink(services.mqtt_url, f"bench-{uuid.uuid4().hex[:6]}").connect()
    burst(link, topics, buttons, presses)
    link.close()
    bare_rate = bare.drain(presses)
    started = time.time()
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    try:
        deadline = time.monotonic() + 600
        while query(db, "SELECT count(*) FROM events")[0][0] < presses:
            if time.monotonic() > deadline:
                raise TimeoutError("the hub did not drain the backlog")
            time.sleep(0.1)
        first, last = query(
            db, "SELECT extract(epoch FROM min(stored_at)), extract(epoch FROM max(stored_at)) FROM events"
        )[0]
        after_start = presses / max(float(last) - float(first), 1e-3)
        return presses / (float(last) - started), bare_rate, float(first) - started, after_start
    finally:
        hub.terminate()
        hub.wait(20)
        asyncio.run(retire_database(services, db))
