"""A virtual IP camera: serves a synthetic scene (with its ground truth) or loops a video file as HTTP MJPEG
(`multipart/x-mixed-replace`), which OpenCV's FFmpeg backend reads as `cv2.VideoCapture("http://…/mjpeg")`.

Routes: `GET /mjpeg` the stream, `GET /snapshot.jpg` one frame, `GET /truth` the scene's zones and expected
events. Each stream plays the scene from its start, looping every `duration_s`: the expected events' times are
seconds since the client's stream began.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from aiohttp import web

from simulators.camera.render import SceneRenderer
from simulators.camera.scenarios import SCENARIOS, Scenario

BOUNDARY = "frame"


class FrameSource(Protocol):
    fps: float

    def frame_at(self, t: float) -> np.ndarray: ...


class SceneSource:
    """A scenario, looping: frame at time t is the scenario's frame at t mod its duration."""

    def __init__(self, scenario: Scenario, fps: float = 10.0) -> None:
        self.scenario, self.fps = scenario, fps
        self._renderer = SceneRenderer(scenario.scene)

    def frame_at(self, t: float) -> np.ndarray:
        return self._renderer.frame(t % self.scenario.duration_s)


class VideoFileSource:
    """A video file, looping, at its own frame rate (timestamps from the container, not the nominal fps)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            raise FileNotFoundError(f"cannot open video {path}")
        self.fps = self._measure_fps()

    def _measure_fps(self) -> float:
        stamps = []
        for _ in range(10):
            if not self._capture.grab():
                break
            stamps.append(self._capture.get(cv2.CAP_PROP_POS_MSEC))
        self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
        steps = [b - a for a, b in itertools.pairwise(stamps) if b > a]
        return 1000.0 / float(np.median(steps)) if steps else self._capture.get(cv2.CAP_PROP_FPS) or 25.0

    def frame_at(self, t: float) -> np.ndarray:
        """Sequential reading (clients ask in time order); rewinds at the end of the file."""
        with self._lock:
            ok, image = self._capture.read()
            if not ok:
                self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, image = self._capture.read()
            if not ok:
                raise OSError(f"cannot read {self.path}")
            return image


class MjpegCamera:
    def __init__(self, source: FrameSource, quality: int = 80) -> None:
        self.source = source
        self.quality = quality
        self.started = time.monotonic()
        self.clients = 0

    def jpeg_at(self, t: float) -> bytes:
        ok, data = cv2.imencode(".jpg", self.source.frame_at(t), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise ValueError("JPEG encoding failed")
        return data.tobytes()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/mjpeg", self._stream)
        app.router.add_get("/snapshot.jpg", self._snapshot)
        app.router.add_get("/truth", self._truth)
        return app

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        period = 1.0 / self.source.fps
        began = next_at = time.monotonic()
        self.clients += 1
        try:
            while True:
                jpeg = await asyncio.to_thread(self.jpeg_at, time.monotonic() - began)
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
                await response.write(head + jpeg + b"\r\n")
                next_at += period
                await asyncio.sleep(max(next_at - time.monotonic(), 0))
        except (ConnectionResetError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            self.clients -= 1
        return response

    async def _snapshot(self, _request: web.Request) -> web.Response:
        jpeg = await asyncio.to_thread(self.jpeg_at, time.monotonic() - self.started)
        return web.Response(body=jpeg, content_type="image/jpeg")

    async def _truth(self, _request: web.Request) -> web.Response:
        if not isinstance(self.source, SceneSource):
            return web.json_response({"error": "no ground truth for a video file"}, status=404)
        scenario = self.source.scenario
        return web.json_response(
            {
                "scene": scenario.name,
                "description": scenario.description,
                "duration_s": scenario.duration_s,
                "zones": [
                    {"id": z.id, "kind": z.kind.value, "polygon": z.polygon, "line": z.line} for z in scenario.zones
                ],
                "expected": [asdict(e) for e in scenario.expected],
            }
        )


def make_source(scene: str | None = None, video: Path | None = None, fps: float = 10.0) -> FrameSource:
    if video is not None:
        return VideoFileSource(video)
    name = scene or "yard_intrusions"
    if name not in SCENARIOS:
        raise ValueError(f"unknown scene {name!r}; scenes: {', '.join(SCENARIOS)}")
    return SceneSource(SCENARIOS[name](), fps)


def run_camera_simulator(
    scene: str | None = None, video: Path | None = None, host: str = "127.0.0.1", port: int = 8554, fps: float = 10.0
) -> int:
    """Serve until SIGINT/SIGTERM. Prints the stream URL."""
    camera = MjpegCamera(make_source(scene, video, fps))

    async def main() -> None:
        # Streams never end by themselves: do not wait for them on shutdown.
        runner = web.AppRunner(camera.app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        print(f"camera simulator: http://{host}:{port}/mjpeg ({video or scene or 'yard_intrusions'})", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        with contextlib.suppress(asyncio.CancelledError):
            await stop.wait()
        await runner.cleanup()

    asyncio.run(main())
    return 0
