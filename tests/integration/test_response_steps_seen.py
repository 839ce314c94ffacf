"""Guided response steps that tick themselves from what the hub sees (issue 19, "Done when": steps tick from real
actions): a loudspeaker warning the site's speaker (a simulated device over MQTT) plays to the end ticks "warn on
site", and the desk watching the site's camera live (relayed from a simulated MJPEG camera) ticks "view the
cameras" — each automatically and once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devices.link import DeviceLink
from hub.config import Settings
from simulators.camera.mjpeg import MjpegCamera, SceneSource
from simulators.districts import save_district, synthetic_district
from simulators.speaker import SpeakerSimulator
from tests.integration.conftest import HubUnderTest, eventually, get_json, running_hub
from tests.integration.test_camera_mjpeg import ServedCamera
from tests.integration.test_lifecycle_rest import post
from tests.integration.test_response_steps import STEPS, open_incident
from tests.integration.verification_site import QUIET


@pytest.fixture
def camera() -> Iterator[ServedCamera]:
    served = ServedCamera(MjpegCamera(SceneSource(QUIET, fps=10))).start()
    yield served
    served.stop()


@pytest.fixture
async def hub(hub_settings: Settings, camera: ServedCamera, tmp_path: Path) -> AsyncIterator[HubUnderTest]:
    district = synthetic_district(sites=2, auto_dispatch=[])
    district["response_steps"] = STEPS
    for device in district["sites"][1]["devices"]:
        if device["id"] == "cam-01":
            device["camera"] = {"stream": camera.url}
    path = save_district(tmp_path / "district.yaml", district)
    async with running_hub(hub_settings, path) as running:
        yield running


async def marks(hub: HubUnderTest, incident_id: int) -> dict[str, Any]:
    detail: Any = await get_json(f"{hub.http}/api/v1/incidents/{incident_id}", hub.token)
    return {step["id"]: step["done"] for step in detail["steps"]}


async def test_a_warning_played_to_the_end_and_a_live_view_opened_tick_their_steps(
    hub: HubUnderTest, speaker: SpeakerSimulator, camera: ServedCamera, device_link: DeviceLink
) -> None:
    incident_id = await open_incident(hub, device_link)
    assert (await marks(hub, incident_id))["warn"] is None
    async with aiohttp.ClientSession(headers=hub.headers) as desk:
        body = {"site_id": "site-01", "message_id": "leave-now", "incident_id": incident_id, "repeat": 1}
        status, _ = await post(desk, f"{hub.http}/api/v1/warnings", body)
        assert status == 202
        warned = await eventually(lambda: _mark(hub, incident_id, "warn"), timeout=15)
        # Ticked by the speaker's `done` (the warning was heard on site), not by the desk's sending it.
        assert warned["automatic"] is True and warned["actor"] == "speaker:spk-01"
        assert speaker.played
        assert (await marks(hub, incident_id))["view_cameras"] is None

        async with desk.get(f"{hub.http}/api/v1/cameras/cam-01/live") as response:
            assert response.status == 200
            await response.content.read(2048)  # a frame or so: the view is open
        viewed = await eventually(lambda: _mark(hub, incident_id, "view_cameras"), timeout=5)
        assert viewed["automatic"] is True and viewed["actor"] == f"token:{hub.token_name}"

        async with desk.get(f"{hub.http}/api/v1/cameras/cam-01/live") as response:
            await response.content.read(2048)
    after = await marks(hub, incident_id)
    assert after["view_cameras"] == viewed and after["warn"] == warned  # a second view keeps the first mark
    assert after["call_contact"] is None and after["dispatch"] is None  # nothing else ticked


async def _mark(hub: HubUnderTest, incident_id: int, step: str) -> Any:
    return (await marks(hub, incident_id))[step]
