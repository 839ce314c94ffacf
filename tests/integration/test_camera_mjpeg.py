"""The camera simulator over HTTP MJPEG, read by OpenCV's FFmpeg backend through the agent's capture, which
paces frames to the analysis rate and reconnects with backoff when the stream goes away."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest
from aiohttp import web

from hub.adapters.camera.capture import Backoff, CapturedFrame, OpenCvCapture
from sentinel_dev.services import free_port
from simulators.camera.mjpeg import MjpegCamera, SceneSource, VideoFileSource
from simulators.camera.scenarios import SCENARIOS

PLAZA = Path(__file__).resolve().parents[2] / "tests" / "data" / "video" / "plaza_720p.avi"


class ServedCamera:
    """An MjpegCamera served on 127.0.0.1:port from a thread of its own; stop() and start() again at will."""

    def __init__(self, camera: MjpegCamera, port: int | None = None) -> None:
        self.camera = camera
        self.port = port or free_port()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mjpeg"

    def start(self) -> ServedCamera:
        ready = threading.Event()

        def serve() -> None:
            loop = self._loop = asyncio.new_event_loop()
            runner = web.AppRunner(self.camera.app(), access_log=None, shutdown_timeout=0.5)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name=f"mjpeg-{self.port}", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the MJPEG simulator did not start"
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None


@pytest.fixture
def yard_camera() -> Iterator[ServedCamera]:
    served = ServedCamera(MjpegCamera(SceneSource(SCENARIOS["yard_intrusions"](), fps=10))).start()
    yield served
    served.stop()


def test_opencv_reads_the_simulated_mjpeg_stream(yard_camera: ServedCamera) -> None:
    capture = cv2.VideoCapture(yard_camera.url, cv2.CAP_FFMPEG)
    try:
        assert capture.isOpened() and capture.getBackendName() == "FFMPEG"
        frames = [capture.read() for _ in range(5)]
    finally:
        capture.release()
    assert all(ok for ok, _ in frames) and frames[0][1].shape == (360, 640, 3)


def test_the_simulator_loops_real_footage_at_its_own_frame_rate() -> None:
    if not PLAZA.exists():
        pytest.fail(f"the plaza footage is missing: {PLAZA}", pytrace=False)
    source = VideoFileSource(PLAZA)
    assert abs(source.fps - 25) < 0.5  # the container says 50; the frame timestamps say 25
    served = ServedCamera(MjpegCamera(source)).start()
    capture = cv2.VideoCapture(served.url, cv2.CAP_FFMPEG)
    try:
        started = time.monotonic()
        shapes = [capture.read()[1].shape for _ in range(20)]
        elapsed = time.monotonic() - started
    finally:
        capture.release()
        served.stop()
    assert shapes[-1] == (720, 1280, 3) and 0.5 < elapsed < 1.6  # 20 frames at 25 fps, after the first


def test_capture_keeps_the_analysis_rate_and_reconnects_after_the_stream_returns(yard_camera: ServedCamera) -> None:
    frames: list[CapturedFrame] = []
    capture = OpenCvCapture("cam-test", yard_camera.url, fps=5, on_frame=frames.append, read_timeout_s=2,
                            backoff=Backoff(initial_s=0.2, maximum_s=1))  # fmt: skip
    capture.start()
    try:
        time.sleep(2.2)
        first_run = list(frames)
        yard_camera.stop()
        time.sleep(2.5)
        during_outage = len(frames)
        time.sleep(0.5)
        assert len(frames) == during_outage  # nothing arrives while the camera is gone
        yard_camera.start()
        deadline = time.monotonic() + 8
        while len(frames) <= during_outage and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        capture.stop()
    gaps = [b.t - a.t for a, b in itertools.pairwise(first_run)]
    assert 7 <= len(first_run) <= 12  # 10 fps served, 5 fps kept, for about 2 s
    # On cadence on average; a late frame may be followed by a closer one, but never a burst.
    assert 0.17 <= sum(gaps) / len(gaps) <= 0.26 and min(gaps) >= 0.05, gaps
    assert len(frames) > during_outage and capture.reconnects >= 1
