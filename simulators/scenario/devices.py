"""The devices and people a scenario plays: every device of the district reports in (MQTT status, or DC-09
link tests for a panel with an account) until the scenario silences it; buttons, cameras and panels send what
the timeline says; officers sign on and answer dispatches as planned; loudspeakers play or fail."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from simulators.button import press_payload
from simulators.officer import Behaviour, Mode, OfficerSimulator
from simulators.panel import PanelSimulator
from simulators.scenario.model import OfficerPlan
from simulators.speaker import SpeakerSimulator

log = structlog.get_logger(__name__)

MAX_HEARTBEAT_S = 30.0
NEVER_S = 1e9


@dataclass(frozen=True)
class RegisteredDevice:
    id: str
    site: str
    kind: str
    report_interval_s: float


class ScenarioDevices:
    def __init__(
        self,
        link: DeviceLink,
        topics: Topics,
        registry: list[RegisteredDevice],
        officer_sites: dict[str, tuple[float, float]],
        panels: dict[str, str],
        dc09: tuple[str, int] | None,
    ) -> None:
        self.link = link
        self.topics = topics
        self.devices = {d.id: d for d in registry}
        self._officer_start = officer_sites
        self._panel_accounts = panels
        self._dc09 = dc09
        self._panels: dict[str, PanelSimulator] = {}
        self._silent: set[str] = set()
        self._next_report: dict[str, float] = {}
        self._officers: dict[str, OfficerSimulator] = {}
        self._speakers: dict[str, SpeakerSimulator] = {}
        self._stack = contextlib.AsyncExitStack()
        self._task: asyncio.Task[None] | None = None

    # --- start and stop -------------------------------------------------------------------------
    async def start(self, officers: dict[str, OfficerPlan], speakers: dict[str, str]) -> None:
        for panel_id, account in self._panel_accounts.items():
            if self._dc09 is None:
                raise ValueError(f"panel {panel_id} reports over DC-09: the hub's DC-09 address is needed (--dc09)")
            host, port = self._dc09
            self._panels[panel_id] = await self._stack.enter_async_context(PanelSimulator(host, port, account))
        for device in self.devices.values():
            if device.kind == "speaker":
                await self.set_speaker(device.id, speakers.get(device.id, "normal"))
        for officer_id, plan in officers.items():
            await self.set_officer(officer_id, plan, signed_on=True)
        await self._report_all()
        self._task = asyncio.create_task(self._heartbeats(), name="scenario-heartbeats")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for officer in self._officers.values():
            await asyncio.to_thread(officer.stop)
        for speaker in self._speakers.values():
            await asyncio.to_thread(speaker.stop)
        await self._stack.aclose()

    # --- heartbeats, silence and return -----------------------------------------------------------
    def _every(self, device: RegisteredDevice) -> float:
        return max(0.5, min(device.report_interval_s / 2, MAX_HEARTBEAT_S))

    async def _report(self, device: RegisteredDevice) -> None:
        self._next_report[device.id] = time.monotonic() + self._every(device)
        panel = self._panels.get(device.id)
        if panel is not None:
            await panel.link_test()
            return
        topic = self.topics.device_status(device.site, device.kind, device.id)
        self.link.publish(topic, status_payload(DeviceState.ONLINE, battery=95), retain=True)

    async def _report_all(self) -> None:
        for device in self.devices.values():
            if device.id not in self._silent:
                await self._report(device)

    async def _heartbeats(self) -> None:
        while True:
            now = time.monotonic()
            for device in self.devices.values():
                if device.id not in self._silent and self._next_report.get(device.id, 0.0) <= now:
                    try:
                        await self._report(device)
                    except (ConnectionError, OSError) as exc:
                        log.warning("scenario.heartbeat_failed", device=device.id, error=str(exc))
            await asyncio.sleep(0.25)

    def resolve_devices(self, devices: list[str] | None, site: str | None) -> list[RegisteredDevice]:
        chosen = [self.device(d) for d in devices or ()]
        if site:
            chosen += [d for d in self.devices.values() if d.site == site]
            if not chosen:
                raise ValueError(f"no device at site {site!r}")
        return chosen

    def device(self, device_id: str, kind: str | None = None) -> RegisteredDevice:
        device = self.devices.get(device_id)
        if device is None:
            raise ValueError(f"no device {device_id!r} in the hub's registry (GET /api/v1/devices)")
        if kind and device.kind != kind:
            raise ValueError(f"{device_id} is a {device.kind}, not a {kind}")
        return device

    async def silence(self, devices: list[RegisteredDevice], offline: bool) -> None:
        """The devices stop reporting; `offline`: they say so first, as a Last Will would."""
        for device in devices:
            self._silent.add(device.id)
            if offline and device.id not in self._panels:
                topic = self.topics.device_status(device.site, device.kind, device.id)
                await asyncio.to_thread(self.link.publish_and_wait, topic, status_payload(DeviceState.OFFLINE), True)

    async def restore(self, devices: list[RegisteredDevice]) -> None:
        for device in devices:
            self._silent.discard(device.id)
            await self._report(device)

    # --- buttons, cameras, panels ------------------------------------------------------------------
    async def press(self, device_id: str, event_type: str, count: int, rate_per_s: float | None) -> list[str]:
        button = self.device(device_id, "button")
        topic = self.topics.button_event(button.site, button.id)
        run = uuid.uuid4().hex[:8]
        infos, ids = [], []
        started = time.monotonic()
        for n in range(count):
            event_id, payload = press_payload(event_type, f"scn-{run}-{n}", seq=n)
            infos.append(self.link.publish(topic, payload))
            ids.append(event_id)
            if rate_per_s:
                delay = started + (n + 1) / rate_per_s - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

        def confirmed() -> None:
            for info in infos:
                info.wait_for_publish(30)
                if not info.is_published():
                    raise ConnectionError(f"the broker did not confirm a press of {device_id}")

        await asyncio.to_thread(confirmed)
        return ids

    async def camera_event(
        self, device_id: str, event: str, zone: str | None = None, score: float | None = None, detail: str | None = None
    ) -> str:
        camera = self.device(device_id, "camera")
        body: dict[str, Any] = {"event_id": uuid.uuid4().hex, "type": event, "ts": datetime.now(UTC).isoformat()}
        body.update({k: v for k, v in (("zone", zone), ("score", score), ("detail", detail)) if v is not None})
        await asyncio.to_thread(
            self.link.publish_and_wait, self.topics.camera_event(camera.site, camera.id), json.dumps(body).encode()
        )
        return str(body["event_id"])

    async def camera_scene(self, device_id: str, scene: str, speed: float) -> int:
        """Play a synthetic scene through the video analytics (as the camera agent would) and publish what
        they find as the camera's events, `speed` times faster than the scene."""
        from simulators.camera.run import play
        from simulators.camera.suite import all_scenarios

        scenes = {s.name: s for s in all_scenarios(variants=False)}
        if scene not in scenes:
            raise ValueError(f"no camera scene {scene!r} (known: {', '.join(sorted(scenes))})")
        chosen = scenes[scene]
        detections = await asyncio.to_thread(play, chosen)
        started = time.monotonic()
        for detection in detections:
            delay = started + (detection.t - chosen.t0) / speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            detail = detection.tamper.value if detection.tamper else None
            await self.camera_event(
                device_id, detection.type.value, detection.zone_id, round(detection.score, 3), detail
            )
        return len(detections)

    async def panel(self, device_id: str, cid: str | None, sia: str | None, zone: int, restore: bool) -> str:
        panel = self._panels.get(device_id)
        if panel is None:
            raise ValueError(f"panel {device_id} has no DC-09 account in the scenario's 'panels'")
        if cid:
            reply = await panel.contact_id(cid, zone=zone, restore=restore)
        else:
            reply = await panel.sia(str(sia), zone=zone or None)
        if reply is None or not reply.ok:
            raise ConnectionError(f"the hub answered {reply.kind if reply else 'nothing'} to the panel")
        return reply.kind

    # --- officers and speakers ---------------------------------------------------------------------
    async def set_officer(self, officer_id: str, plan: OfficerPlan, signed_on: bool = True) -> None:
        behaviour = Behaviour(
            Mode(plan.answer),
            accept_after_s=plan.after_s,
            speed_m_s=1e7,  # arrives on the first location update, `travel_s` after setting off
            update_every_s=max(plan.travel_s, 0.05),
            on_scene_s=NEVER_S if plan.on_scene_s is None else plan.on_scene_s,
        )
        officer = self._officers.get(officer_id)
        if officer is None:
            if officer_id not in self._officer_start:
                raise ValueError(f"no officer {officer_id!r} in the hub's registry (GET /api/v1/officers)")
            officer = OfficerSimulator(self.link, self.topics, officer_id, self._officer_start[officer_id], behaviour)
            self._officers[officer_id] = officer
            if signed_on:
                await asyncio.to_thread(officer.start)
            return
        officer.set_behaviour(behaviour)
        if not signed_on:
            await asyncio.to_thread(officer.stop)

    async def set_speaker(self, device_id: str, mode: str) -> None:
        speaker = self.device(device_id, "speaker")
        old = self._speakers.pop(device_id, None)
        if old is not None:
            await asyncio.to_thread(old.stop)
        if mode == "offline":  # powered off: hears no command and reports nothing
            self.link.subscribe(self.topics.speaker_command(speaker.site, speaker.id), lambda _t, _b: None)
            self._silent.add(device_id)
            return
        self._silent.discard(device_id)
        simulator = SpeakerSimulator(
            self.link, self.topics, speaker.site, speaker.id, mode, ack_delay_s=2.0, time_scale=4.0
        )
        self._speakers[device_id] = await asyncio.to_thread(simulator.start)
