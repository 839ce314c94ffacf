"""Camera events at the hub: an intrusion opens a P2 incident with its snapshot (inline) and clip
(fetched once the camera has written it), served to the desk; tamper opens and its restore closes;
motion opens nothing."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from devices.link import DeviceLink
from sentinel_dev.services import free_port
from tests.integration.camera_media import district_with_media_origins, jpeg, video
from tests.integration.conftest import HubUnderTest, bearer, create_api_token, eventually, fetch_value

# The production layout: camera events reach the hub's routine process (tamper on its alarm lane there).
pytestmark = pytest.mark.routine_process

CLIP = video(".webm")  # a real WebM: the hub takes media by its bytes


@pytest.fixture
def media_port() -> int:
    return free_port()


@pytest.fixture
def district_file(tmp_path: Path, media_port: int) -> Path:
    """cam-02 fetches its media from the server below (its `media_origins`)."""
    path = tmp_path / "district.yaml"
    district = district_with_media_origins({"cam-02": [f"http://127.0.0.1:{media_port}"]})
    path.write_text(yaml.safe_dump(district, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
async def camera_media_server(media_port: int) -> AsyncIterator[tuple[str, list[int]]]:
    """Serves /clip.webm the way the camera agent does: 404 + Retry-After until the clip is written."""
    answers: list[int] = []

    async def clip(_: web.Request) -> web.Response:
        if len(answers) < 2:
            answers.append(404)
            return web.Response(status=404, headers={"Retry-After": "1"})
        answers.append(200)
        return web.Response(body=CLIP, content_type="video/webm")

    app = web.Application()
    app.router.add_get("/clip.webm", clip)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", media_port).start()
    yield f"http://127.0.0.1:{media_port}/clip.webm", answers
    await runner.cleanup()


def camera_event(type_: str, **fields: Any) -> bytes:
    body = {"event_id": f"{type_}-{datetime.now(UTC).timestamp()}", "type": type_, "ts": datetime.now(UTC).isoformat()}
    return json.dumps({**body, **fields}).encode()


async def test_an_intrusion_opens_a_p2_incident_with_its_snapshot_and_clip_served_to_the_desk(
    hub: HubUnderTest, device_link: DeviceLink, camera_media_server: tuple[str, list[int]]
) -> None:
    db, topics = hub.settings.database_url, hub.topics
    assert db
    clip_url, answers = camera_media_server
    snapshot = jpeg()
    payload = camera_event(
        "intrusion",
        zone="yard",
        score=0.8,
        objects=[{"label": "person", "box": [0.3, 0.3, 0.1, 0.5]}],
        snapshot=base64.b64encode(snapshot).decode(),
        clip=clip_url,
    )
    await asyncio.to_thread(device_link.publish_and_wait, topics.camera_event("site-02", "cam-02"), payload)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM incidents"))
    assert await fetch_value(db, "SELECT row(kind, priority)::text FROM incidents") == "(intrusion,2)"
    # The event row keeps a reference, not the image.
    assert await fetch_value(db, "SELECT payload->'snapshot' ? 'stored' FROM events") is True
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 2 FROM media WHERE state = 'stored'"), timeout=15)
    assert answers == [404, 404, 200]  # retried while the clip was being written

    incident = await _get(f"{hub.http}/api/v1/incidents/{await fetch_value(db, 'SELECT id FROM incidents')}", hub.token)
    media = {m["kind"]: m for m in incident["media"]}
    assert set(media) == {"snapshot", "clip"} and media["snapshot"]["zone"] == "yard"
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        async with session.get(f"{hub.http}{media['snapshot']['url']}") as response:
            assert response.status == 200 and response.content_type == "image/jpeg"
            assert await response.read() == snapshot
        async with session.get(f"{hub.http}{media['clip']['url']}", headers={"Range": "bytes=0-3"}) as response:
            assert response.status == 206 and await response.read() == CLIP[:4]
    # The officer sent to it gets the snapshot with the dispatch, and may fetch it.
    incident_id = await fetch_value(db, "SELECT id FROM incidents")
    await hub.running.lifecycle.dispatch(incident_id, "user:test", "o1")  # type: ignore[arg-type]
    sent_to = await create_api_token(db, "officer", "phone-o1", "o1")
    async with aiohttp.ClientSession(headers=bearer(sent_to)) as session:
        async with session.get(f"{hub.http}/api/v1/me/dispatches") as response:
            dispatch = (await response.json())["dispatches"][0]
        assert dispatch["snapshot_url"] == media["snapshot"]["url"]
        async with session.get(f"{hub.http}{dispatch['snapshot_url']}") as response:
            assert response.status == 200
    # An officer not sent to this incident may not see its media.
    stranger = await create_api_token(db, "officer", "phone-o3", "o3")
    async with (
        aiohttp.ClientSession(headers=bearer(stranger)) as session,
        session.get(f"{hub.http}{media['snapshot']['url']}") as response,
    ):
        assert response.status == 403


async def test_a_covered_camera_opens_a_tamper_incident_that_its_restore_closes_and_motion_opens_nothing(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db, topic = hub.settings.database_url, hub.topics.camera_event("site-03", "cam-03")
    assert db
    await asyncio.to_thread(device_link.publish_and_wait, topic, camera_event("motion", score=0.4))
    await asyncio.to_thread(device_link.publish_and_wait, topic, camera_event("tamper", detail="tamper_covered"))
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM incidents"))
    assert await fetch_value(db, "SELECT row(kind, priority, state)::text FROM incidents") == "(tamper,3,new)"
    assert await fetch_value(db, "SELECT fault FROM device_health WHERE device_id = 'cam-03'") == "tamper_covered"
    await asyncio.to_thread(
        device_link.publish_and_wait, topic, camera_event("tamper", detail="tamper_covered_restored")
    )
    await eventually(lambda: fetch_value(db, "SELECT state = 'resolved' FROM incidents"))
    assert await fetch_value(db, "SELECT fault FROM device_health WHERE device_id = 'cam-03'") is None
    # The motion event travels the routine lane, which may commit after the alarm lane's tamper events.
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 3 FROM events WHERE device_id = 'cam-03'"))
    assert await fetch_value(db, "SELECT count(*) FROM incidents") == 1


async def _get(url: str, token: str) -> Any:
    async with aiohttp.ClientSession(headers=bearer(token)) as session, session.get(url) as response:
        assert response.status == 200
        return await response.json()
