"""The demo district's everyday life: devices report online, heartbeat, and now and then a guard
presses a button (mostly genuine alarms, sometimes a drill test press)."""

from __future__ import annotations

import random
import threading

from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from devices.resend import Resender
from simulators.button import ButtonRef, press_payload


class AmbientDistrict:
    """Runs in a background thread next to the demo hub."""

    def __init__(
        self,
        mqtt_url: str,
        topics: Topics,
        devices: list[tuple[str, str, str]],  # (site, kind, device)
        press_every_s: float = 90.0,
        heartbeat_s: float = 60.0,
        seed: int | None = None,
    ) -> None:
        self._topics = topics
        self._devices = devices
        self._press_every_s = press_every_s
        self._heartbeat_s = heartbeat_s
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._link = DeviceLink(mqtt_url, "sentinel-sim-ambient")
        self._resender = Resender()  # the guards' buttons follow the contract's resend rule
        self._thread = threading.Thread(target=self._run, name="ambient-district", daemon=True)

    def start(self) -> None:
        self._link.connect()
        self._resender.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._resender.stop()
        self._link.close()

    def _heartbeat(self) -> None:
        for site, kind, device in self._devices:
            topic = self._topics.device_status(site, kind, device)
            self._link.publish(topic, status_payload(DeviceState.ONLINE, battery=self._random.randint(60, 100)), True)

    def _run(self) -> None:
        buttons = [ButtonRef(site, device) for site, kind, device in self._devices if kind == "button"]
        for button in buttons:
            self._resender.follow(self._link, self._topics, button.site, button.device)
        next_heartbeat = 0.0
        next_press = self._press_every_s / 3
        elapsed = 0.0
        tick = 1.0
        while not self._stop.wait(tick):
            elapsed += tick
            if elapsed >= next_heartbeat:
                self._heartbeat()
                next_heartbeat = elapsed + self._heartbeat_s
            if buttons and elapsed >= next_press:
                button = self._random.choice(buttons)
                event_type = "test" if self._random.random() < 0.15 else "panic"
                presses = self._random.choice((1, 1, 1, 2, 3))  # frightened guards press again
                for _ in range(presses):
                    event_id, payload = press_payload(event_type)
                    topic = self._topics.button_event(button.site, button.device)
                    self._resender.send(self._link, topic, button.site, button.device, event_id, payload)
                next_press = elapsed + self._random.uniform(0.5, 1.5) * self._press_every_s
