"""Publishing as a smart camera: one MQTT session per camera, with its own retained status and Last Will, so the
hub cannot tell the agent from a camera that analyses on board."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from devices.contract import DeviceKind, DeviceState, Topics
from devices.link import DeviceLink, status_payload

FIRMWARE = "sentinel-camera-agent"


class MqttCameraPublisher:
    def __init__(self, mqtt_url: str, topics: Topics, site: str, device: str) -> None:
        self.event_topic = topics.camera_event(site, device)
        self.status_topic = topics.device_status(site, DeviceKind.CAMERA, device)
        self.command_topic = topics.camera_command(site, device)
        will = (self.status_topic, status_payload(DeviceState.OFFLINE, firmware=FIRMWARE))
        self._link = DeviceLink(mqtt_url, f"sentinel-camera-agent-{device}", will=will)

    def connect(self, timeout_s: float = 10.0) -> None:
        """Blocking: call from a thread. Once connected, paho reconnects by itself and queues QoS 1 publishes."""
        self._link.connect(timeout_s)

    def on_command(self, handler: Callable[[bytes], None]) -> None:
        """Call `handler` (on paho's thread: hand it over, do no work there) with each command payload."""
        self._link.subscribe(self.command_topic, lambda _topic, payload: handler(payload))

    def publish_event(self, payload: bytes) -> None:
        self._link.publish(self.event_topic, payload)

    def publish_status(self, state: DeviceState) -> None:
        self._link.publish(self.status_topic, status_payload(state, firmware=FIRMWARE), retain=True)

    def close(self) -> None:
        """Blocking. Says `offline` itself (a clean disconnect does not fire the Last Will)."""
        # Not connected at the moment: the broker fires the Last Will instead.
        with contextlib.suppress(ConnectionError, RuntimeError, ValueError):
            self._link.publish_and_wait(
                self.status_topic, status_payload(DeviceState.OFFLINE, firmware=FIRMWARE), retain=True, timeout=3
            )
        self._link.close()
