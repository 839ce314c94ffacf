"""A device's MQTT link: what an edge agent or a simulator uses to talk to the hub.

Threaded paho-mqtt (devices are simple programs, not asyncio services), MQTT 5, QoS 1, a retained
Last Will that reports the device `offline`, and a bounded in-flight window so a burst never wraps
MQTT packet ids (65,535) while unconfirmed. paho reconnects by itself (1 s, doubling to 2 min) and
the link subscribes again; what to resend after a broker crash is `devices.resend`'s job.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import paho.mqtt.client as paho

from devices.contract import DeviceState, DeviceStatus, encode
from devices.mqtt_url import parse_mqtt_url


class LinkError(ConnectionError):
    pass


class DeviceLink:
    def __init__(
        self,
        url: str,
        client_id: str,
        will: tuple[str, bytes] | None = None,
        max_inflight: int = 1000,
    ) -> None:
        endpoint = parse_mqtt_url(url)
        self._host, self._port = endpoint.host, endpoint.port
        self._client = paho.Client(
            callback_api_version=paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
        )
        if endpoint.username:
            self._client.username_pw_set(endpoint.username, endpoint.password or "")
        if endpoint.tls is not None:
            self._client.tls_set(endpoint.tls.ca_file, endpoint.tls.cert_file, endpoint.tls.key_file)
        if will is not None:
            self._client.will_set(will[0], will[1], qos=1, retain=True)
        self._client.max_inflight_messages_set(max_inflight)
        self._client.max_queued_messages_set(0)
        self._connected = threading.Event()
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = lambda *_: self._connected.clear()
        self._handlers: dict[str, Callable[[str, bytes], None]] = {}
        self._connect_listeners: list[Callable[[], None]] = []
        self._client.on_message = self._on_message

    def _on_connect(self, client: paho.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        if getattr(reason, "is_failure", False):
            return
        sock = client.socket()
        if isinstance(sock, socket.socket):
            # Without it, Nagle's algorithm against delayed ACKs holds small packets ~40 ms.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for topic in self._handlers:
            client.subscribe(topic, qos=1)
        self._connected.set()
        for listener in list(self._connect_listeners):
            listener()

    def _on_message(self, _c: paho.Client, _u: object, msg: paho.MQTTMessage) -> None:
        for topic_filter, handler in self._handlers.items():
            if paho.topic_matches_sub(topic_filter, msg.topic):
                handler(msg.topic, bytes(msg.payload))

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def on_connect(self, listener: Callable[[], None]) -> None:
        """Call `listener` (on paho's thread: keep it short) after every connect, reconnects included:
        the broker may have lost what it had confirmed before (see devices.resend)."""
        self._connect_listeners.append(listener)

    def connect(self, timeout: float = 10.0) -> DeviceLink:
        self._client.connect(self._host, self._port, keepalive=30)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self.close()
            raise LinkError(f"cannot connect to the MQTT broker at {self._host}:{self._port}")
        return self

    def subscribe(self, topic_filter: str, handler: Callable[[str, bytes], None]) -> None:
        self._handlers[topic_filter] = handler
        if self._connected.is_set():
            self._client.subscribe(topic_filter, qos=1)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> paho.MQTTMessageInfo:
        """Queue a QoS 1 publish; the returned info tells when the broker confirmed it."""
        return self._client.publish(topic, payload, qos=1, retain=retain)

    def publish_and_wait(self, topic: str, payload: bytes, retain: bool = False, timeout: float = 10.0) -> None:
        info = self.publish(topic, payload, retain)
        info.wait_for_publish(timeout)
        if not info.is_published():
            raise LinkError(f"broker did not confirm the publish to {topic} within {timeout}s")

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def status_payload(state: DeviceState, battery: int | None = None, firmware: str | None = None) -> bytes:
    return encode(DeviceStatus(state=state, ts=datetime.now(UTC), battery=battery, firmware=firmware))
