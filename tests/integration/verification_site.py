"""A bank whose camera is simulated end to end for video verification: an MJPEG simulator → the camera agent
(pre-event buffer, command handling) → MQTT and the agent's media server, next to a whole hub."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.adapters.camera.agent import AgentOptions
from sentinel_dev.services import PrivateMosquitto
from simulators.camera.mjpeg import MjpegCamera, SceneSource
from simulators.camera.render import Scene
from simulators.camera.scenarios import Scenario
from simulators.districts import synthetic_district
from tests.integration.conftest import HubUnderTest, get_json
from tests.integration.test_camera_agent import AgentThread
from tests.integration.test_camera_mjpeg import ServedCamera

SITE, CAMERA, BUTTON = "site-01", "cam-01", "btn-01-0"
QUIET = Scenario("quiet", Scene(seed=7), 60)
BUFFER_FILL_S = 10.0  # the agent's pre-event buffer must hold the seconds before a press


@dataclass(frozen=True)
class VerifiedSite:
    camera: ServedCamera
    agent_port: int


def verification_district(path: Path, camera_port: int, agent_port: int) -> Path:
    """The synthetic district; site-01's camera is analysed by the agent and may point the hub at its media."""
    district: dict[str, Any] = synthetic_district(sites=2, auto_dispatch=[])
    for site in district["sites"]:
        for device in site["devices"]:
            if device["id"] == CAMERA:
                device["camera"] = {"stream": f"http://127.0.0.1:{camera_port}/mjpeg", "fps": 5, "tamper": False}
                device["media_origins"] = [f"http://127.0.0.1:{agent_port}"]
    district["verification"] = {"pre_s": 8, "post_s": 2}
    path.write_text(yaml.safe_dump(district, allow_unicode=True), "utf-8")
    return path


@contextlib.asynccontextmanager
async def agent_for(
    hub: HubUnderTest, broker: PrivateMosquitto, site: VerifiedSite, media_dir: Path
) -> AsyncIterator[None]:
    """The camera agent on the hub's topics, running long enough for its pre-event buffer to fill."""
    options = AgentOptions(
        district_file=hub.settings.district_file,
        mqtt_url=broker.url,
        topic_prefix=hub.settings.topic_prefix,
        media_dir=media_dir,
        http_port=site.agent_port,
        workers=1,
    )
    agent = await asyncio.to_thread(AgentThread(options).start)
    try:
        await asyncio.sleep(BUFFER_FILL_S)
        yield
    finally:
        await asyncio.to_thread(agent.stop)


async def open_incident_of(hub: HubUnderTest, site_id: str) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listed = await get_json(f"{hub.http}/api/v1/incidents?state=open", hub.token)
        assert isinstance(listed, dict)
        for incident in listed["incidents"]:
            if incident["site_id"] == site_id:
                return int(incident["id"])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no open incident at {site_id}")


async def stored_verification(hub: HubUnderTest, incident_id: int) -> dict[str, Any] | None:
    """The incident's detail once its verification clip and snapshot are stored, else None."""
    detail = await get_json(f"{hub.http}/api/v1/incidents/{incident_id}", hub.token)
    assert isinstance(detail, dict)
    kinds = {m["kind"] for m in detail["media"] if m["event_type"] == "verification" and m["state"] == "stored"}
    return detail if kinds == {"clip", "snapshot"} else None


async def poll(check: Callable[[], Awaitable[Any]], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := await check():
            return value
        await asyncio.sleep(0.1)
    return None


def served_camera() -> ServedCamera:
    return ServedCamera(MjpegCamera(SceneSource(QUIET, fps=10))).start()
