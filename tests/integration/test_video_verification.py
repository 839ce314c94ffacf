"""Video verification of a press: a panic at a site with a (simulated) camera → the hub asks the camera on its
command topic → the camera agent saves a clip from its pre-event buffer covering the seconds before and after the
press, and a snapshot → a `verification` event joins the incident, its media kept by the hub within 10 s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from devices.contract import CameraCommand, decode
from devices.link import DeviceLink
from hub.adapters.camera.media import count_frames
from sentinel_dev.services import PrivateMosquitto, free_port
from simulators.button import ButtonRef, press
from tests.integration.conftest import HubUnderTest, fetch_value
from tests.integration.test_camera_mjpeg import ServedCamera
from tests.integration.verification_site import (
    BUTTON,
    CAMERA,
    SITE,
    VerifiedSite,
    agent_for,
    open_incident_of,
    poll,
    served_camera,
    stored_verification,
    verification_district,
)


@pytest.fixture
def camera() -> Iterator[ServedCamera]:
    served = served_camera()
    yield served
    served.stop()


@pytest.fixture
def verified_site(camera: ServedCamera) -> VerifiedSite:
    return VerifiedSite(camera, free_port())


@pytest.fixture
def district_file(tmp_path: Path, verified_site: VerifiedSite) -> Path:
    return verification_district(tmp_path / "district.yaml", verified_site.camera.port, verified_site.agent_port)


async def test_a_press_yields_a_clip_from_before_the_press_attached_within_ten_seconds(
    hub: HubUnderTest,
    mqtt_broker: PrivateMosquitto,
    verified_site: VerifiedSite,
    device_link: DeviceLink,
    tmp_path: Path,
) -> None:
    commands: list[bytes] = []
    device_link.subscribe(hub.topics.camera_command(SITE, CAMERA), lambda _t, p: commands.append(p))
    async with agent_for(hub, mqtt_broker, verified_site, tmp_path / "agent-media"):
        pressed = time.time()
        await asyncio.to_thread(press, device_link, hub.topics, ButtonRef(SITE, BUTTON))
        incident_id = await open_incident_of(hub, SITE)
        detail = await poll(lambda: stored_verification(hub, incident_id), timeout_s=10)
        attached_s = time.time() - pressed
        assert detail is not None, "no verification clip and snapshot stored within 10 s of the press"

    # The command on the wire, as the contract says.
    command = decode(CameraCommand, commands[0])
    assert command.command_id == f"verify-{incident_id}-{CAMERA}" and command.pre_s == 8 and command.post_s == 2
    press_at = command.at.timestamp()
    assert abs(press_at - pressed) < 2

    clip = next(m for m in detail["media"] if m["kind"] == "clip" and m["event_type"] == "verification")
    before_s = press_at - datetime.fromisoformat(clip["clip_start"]).timestamp()
    after_s = datetime.fromisoformat(clip["clip_end"]).timestamp() - press_at
    assert before_s >= 5, f"the clip starts only {before_s:.1f} s before the press"
    assert after_s >= 1.5
    # The stored file is a real clip of that length (5 fps), as the hub keeps it.
    assert hub.settings.data_dir is not None
    path = await fetch_value(hub.settings.database_url or "", "SELECT path FROM media WHERE id = $1", clip["id"])
    frames = count_frames(hub.settings.data_dir / "hub-media" / str(path))
    media_root = hub.settings.data_dir / "hub-media"
    assert frames >= 5 * (5 + 1.5), f"{frames} frames in {path}: {sorted(media_root.rglob('*'))}"
    actions = [entry["action"] for entry in detail["timeline"]]
    assert actions[:3] == ["opened", "verification_requested", "video_verified"]
    print(f"press → verification attached: {attached_s:.1f} s; clip {before_s:.1f} s before, {after_s:.1f} s after")
