"""Video patrol's live view against a whole hub: relayed from a real camera simulator (`simulators.camera.mjpeg`)
on a free port, which stops reading the camera when the viewer goes; viewers capped per camera; a camera that is
down answers 502. (The round of a tour: test_patrol_api.py.)"""

from __future__ import annotations

import asyncio

import aiohttp
import cv2
import numpy as np

from hub.adapters.mjpeg import MjpegParser, boundary_of
from simulators.camera.mjpeg import MjpegCamera
from tests.integration.conftest import HubUnderTest, eventually, fetch_value
from tests.integration.test_patrol_api import camera as camera  # fixtures: the simulator, and cam-00 streaming from it
from tests.integration.test_patrol_api import camera_port as camera_port
from tests.integration.test_patrol_api import district_file as district_file

# ---- live view ---------------------------------------------------------------------------------------------


async def read_frames(response: aiohttp.ClientResponse, count: int) -> list[bytes]:
    boundary = boundary_of(response.headers["Content-Type"])
    assert boundary
    parser = MjpegParser(boundary)
    frames: list[bytes] = []
    while len(frames) < count:
        frames += parser.feed(await response.content.readany())
    return frames


def decoded(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


async def test_the_live_view_relays_the_cameras_frames_and_lets_go_of_the_camera_when_the_viewer_goes(
    hub: HubUnderTest, camera: MjpegCamera
) -> None:
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        async with session.get(f"{hub.http}/api/v1/cameras/cam-00/live") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace")
            assert response.headers["Cache-Control"] == "no-store, private"
            frames = await read_frames(response, 5)
            assert camera.clients == 1
            images = [decoded(f) for f in frames]
            assert all(image.shape[0] > 100 and image.shape[1] > 100 for image in images)
            assert len({f for f in frames}) > 1  # a moving scene, not one picture over and over
        # The viewer went away: the hub closes its connection to the camera, and the audit log says who watched.
        await eventually(lambda: _is(camera.clients == 0), timeout=5)
        db = hub.db
        watched = "SELECT detail->>'watched_s' FROM audit_log WHERE action = 'camera.live' AND target = 'camera:cam-00'"
        assert float(await eventually(lambda: fetch_value(db, watched), timeout=5)) > 0  # type: ignore[arg-type]

        async with session.get(f"{hub.http}/api/v1/cameras/cam-00/snapshot") as response:
            assert response.status == 200 and response.content_type == "image/jpeg"
            decoded(await response.read())
        await eventually(lambda: _is(camera.clients == 0), timeout=5)

        for camera_id, code in (("cam-01", "no_stream"), ("cam-02", "rtsp_stream"), ("spk-00", "not_found")):
            for kind in ("live", "snapshot"):
                async with session.get(f"{hub.http}/api/v1/cameras/{camera_id}/{kind}") as response:
                    assert response.status == 404
                    error = (await response.json())["error"]
                    assert error["code"] == code, (camera_id, kind)
        async with session.get(f"{hub.http}/api/v1/cameras/cam-02/live") as response:
            assert "MJPEG stream or the camera agent" in (await response.json())["error"]["message"]


async def test_live_viewers_are_capped_per_camera(hub: HubUnderTest, camera: MjpegCamera) -> None:
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        url = f"{hub.http}/api/v1/cameras/cam-00/live"
        open_views = [await session.get(url) for _ in range(4)]  # 16 in all, 4 per camera
        try:
            assert [r.status for r in open_views] == [200] * 4
            async with session.get(url) as refused:
                assert refused.status == 503
                assert (await refused.json())["error"]["code"] == "too_many_viewers"
        finally:
            for response in open_views:
                response.close()
        await eventually(lambda: _is(camera.clients == 0), timeout=5)
        async with session.get(url) as again:
            assert again.status == 200


async def test_a_camera_that_is_down_answers_502(hub: HubUnderTest) -> None:
    # No camera simulator runs on the district's port in this test.
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        for kind in ("live", "snapshot"):
            async with session.get(f"{hub.http}/api/v1/cameras/cam-00/{kind}") as response:
                assert response.status == 502
                assert (await response.json())["error"]["code"] == "camera_unreachable"


async def _is(value: bool) -> bool:
    await asyncio.sleep(0)
    return value
