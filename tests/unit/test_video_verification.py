"""Video verification of presses: which cameras are asked, the command on the wire, the camera's answer joining
the incident, and the agent's clip cut from its pre-event buffer."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from devices.contract import (
    CameraAction,
    CameraCommand,
    CameraEvent,
    CameraEventType,
    TopicKind,
    Topics,
    decode,
    encode,
)
from hub.adapters.camera.media import MediaStore, count_frames
from hub.adapters.camera.ring_buffer import PreEventBuffer
from hub.adapters.camera.verification import PressVerifier
from hub.domain.district import Device, District, Grid, Site
from hub.domain.events import DeviceEvent
from hub.domain.incidents import IncidentState, correlate
from hub.domain.verification import VerificationPolicy, verification_requests

T0 = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


def district() -> District:
    sites = {s: Site(s, s, s, "bank", "g1") for s in ("bank-1", "bank-2")}
    devices = {
        d.id: d
        for d in (
            Device("btn-1", "bank-1", "button"),
            Device("cam-door", "bank-1", "camera", verifies_presses=True),
            Device("cam-hall", "bank-1", "camera", verifies_presses=True),
            Device("cam-old", "bank-1", "camera"),  # does not implement the command
            Device("cam-other", "bank-2", "camera", verifies_presses=True),
            Device("spk-1", "bank-1", "speaker"),
        )
    }
    return District("d", "D", sites, devices, {"g1": Grid("g1", "G")}, verification=VerificationPolicy(8, 4))


def event(kind: str, device: str, type_: str, occurred: datetime = T0, received: datetime = T0) -> DeviceEvent:
    return DeviceEvent("bank-1", device, kind, f"e-{type_}-{occurred.timestamp()}", type_, occurred, received)


def opened(press: DeviceEvent):  # type: ignore[no-untyped-def]
    incident = correlate(None, press, False).incident
    assert incident is not None
    return replace(incident, id=42)


def test_a_press_asks_every_camera_of_its_site_for_the_seconds_around_it() -> None:
    press = event("button", "btn-1", "panic", occurred=T0, received=T0 + timedelta(seconds=1))
    requests = verification_requests(opened(press), press, district())
    assert [r.camera_id for r in requests] == ["cam-door", "cam-hall"]
    assert {r.command_id for r in requests} == {"verify-42-cam-door", "verify-42-cam-hall"}
    assert all(r.at == T0 and r.pre_s == 8 and r.post_s == 4 for r in requests)
    assert requests[0].expires_at == T0 + timedelta(seconds=31)


def test_the_district_gives_a_sites_devices_in_its_own_order_and_none_for_an_unknown_site() -> None:
    d = district()
    assert [x.id for x in d.devices_at("bank-1")] == ["btn-1", "cam-door", "cam-hall", "cam-old", "spk-1"]
    assert [x.id for x in d.devices_at("bank-2")] == ["cam-other"]
    assert d.devices_at("nowhere") == ()
    assert d.speakers_for("bank-1") == ["spk-1"] and d.speakers_for("bank-2") == []


def test_a_button_clock_ahead_of_the_hub_does_not_move_the_press_into_the_future() -> None:
    press = event("button", "btn-1", "duress", occurred=T0 + timedelta(minutes=2), received=T0)
    assert {r.at for r in verification_requests(opened(press), press, district())} == {T0}


def test_camera_alarms_and_fault_reports_are_not_verified_by_video() -> None:
    intrusion = event("camera", "cam-door", "intrusion")
    tamper = event("button", "btn-1", "tamper")
    assert verification_requests(opened(intrusion), intrusion, district()) == []
    assert verification_requests(opened(tamper), tamper, district()) == []


def test_the_cameras_answer_joins_the_open_incident_with_a_timeline_entry_and_opens_nothing() -> None:
    incident = opened(event("button", "btn-1", "panic"))
    answer = event("camera", "cam-door", "verification", received=T0 + timedelta(seconds=6))
    joined = correlate(incident, answer, False)
    assert joined.incident == incident  # no priority, kind or count change
    assert [e.action for e in joined.timeline] == ["video_verified"]
    closed = replace(incident, state=IncidentState.RESOLVED)
    assert correlate(closed, answer, False) == correlate(None, answer, False)
    assert correlate(None, answer, False).incident is None


def test_the_camera_command_is_a_contract_addition_on_the_camera_command_topic() -> None:
    topics = Topics("sentinel")
    topic = topics.camera_command("bank-1", "cam-door")
    assert topic == "sentinel/v1/site/bank-1/camera/cam-door/command"
    match = topics.parse(topic)
    assert match is not None and match.kind is TopicKind.CAMERA_COMMAND and match.device == "cam-door"
    command = CameraCommand(command_id="c1", action=CameraAction.RECORD, at=T0, pre_s=8, post_s=4)
    assert decode(CameraCommand, encode(command)) == command
    assert topic not in topics.hub_inbound_filters()  # the hub sends it, never consumes it


def test_the_agent_cuts_the_clip_from_its_buffer_and_answers_once_it_is_complete(tmp_path: Path) -> None:
    published: list[bytes] = []
    buffer = PreEventBuffer(12)
    now = [T0.timestamp()]
    store = MediaStore(tmp_path)
    verifier = PressVerifier("cam-door", buffer, store, "http://agent:8091", published.append, 5, UTC, lambda: now[0])

    def frame(t: float) -> np.ndarray:
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :] = int(t * 10) % 255
        return image

    async def run() -> None:
        press = T0.timestamp() - 1
        t = T0.timestamp() - 11
        while t <= T0.timestamp():  # 11 s already buffered at 5 fps when the command arrives
            buffer.append(t, frame(t))
            t += 0.2
        at = datetime.fromtimestamp(press, UTC)
        command = CameraCommand(command_id="verify-42-cam-door", action=CameraAction.RECORD, at=at, pre_s=8, post_s=4)
        verifier.request(encode(command))
        verifier.request(encode(command))  # a redelivery is not a second clip
        while t <= press + 4.5:
            now[0] = t
            buffer.append(t, frame(t))
            verifier.feed(t, frame(t))
            t += 0.2
        for _ in range(100):
            if published:
                break
            await asyncio.sleep(0.05)

    asyncio.run(run())
    assert len(published) == 1
    answer = decode(CameraEvent, published[0])
    assert answer.type is CameraEventType.VERIFICATION and answer.command_id == "verify-42-cam-door"
    press = T0.timestamp() - 1
    assert answer.clip_start is not None and answer.clip_end is not None
    assert abs(press - answer.clip_start.timestamp() - 8) < 0.21
    assert 4 <= answer.clip_end.timestamp() - press < 4.21
    assert answer.clip == f"http://agent:8091/media/cam-door/{T0:%Y-%m-%d}/{json.loads(published[0])['event_id']}.webm"
    clip = next(tmp_path.rglob("*.webm"))
    assert count_frames(clip) == round((answer.clip_end - answer.clip_start).total_seconds() * 5) + 1


def test_an_expired_command_is_ignored(tmp_path: Path) -> None:
    published: list[bytes] = []
    verifier = PressVerifier(
        "cam-door", PreEventBuffer(12), MediaStore(tmp_path), "http://a", published.append, 5, UTC, lambda: 1e10
    )
    command = CameraCommand(command_id="c", action=CameraAction.RECORD, at=T0, expires_at=T0 + timedelta(seconds=30))

    async def run() -> None:
        verifier.request(encode(command))
        verifier.feed(1e10, np.zeros((8, 8, 3), np.uint8))
        await asyncio.sleep(0.5)

    asyncio.run(run())
    assert published == []
