"""The camera agent against a real RTSP camera on loopback (GStreamer's RTSP server, `simulators/camera/
rtsp_server.py`): a stream that stalls or freezes with its session open, and a camera that is killed, are each
`stream_lost` within the configured time (+1 s), and `stream_restored` within 5 s of the picture's return."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.contract import Topics
from hub.adapters.camera.agent import AgentOptions
from sentinel_dev.services import PrivateMosquitto, free_port
from tests.integration.test_camera_agent import AgentThread, Listener, district

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "simulators" / "camera" / "rtsp_server.py"
SYSTEM_PYTHON = "/usr/bin/python3"  # the GObject bindings are Debian's (python3-gi), not the venv's
STREAM_TIMEOUT_S = 3.0
LOST_WITHIN_S = STREAM_TIMEOUT_S + 1.0
RESTORED_WITHIN_S = 5.0


def _gstreamer_rtsp_available() -> bool:
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); "
        "from gi.repository import Gst; Gst.init(None); "
        "assert all(Gst.ElementFactory.find(e) for e in ('videotestsrc', 'jpegenc', 'rtpjpegpay', 'valve'))"
    )
    try:
        return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


pytestmark = pytest.mark.skipif(
    not _gstreamer_rtsp_available(),
    reason="GStreamer's RTSP server is not installed (./dev test installs gir1.2-gst-rtsp-server-1.0 and plugins)",
)


class RtspCamera:
    """The RTSP server as a process of its own, on a fixed port so that a restart serves the same URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"rtsp://127.0.0.1:{self.port}/camera"
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> RtspCamera:
        process = self._process = subprocess.Popen(
            [SYSTEM_PYTHON, str(SERVER), str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the RTSP server did not start: {line!r}"
        return self

    def send(self, command: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None


@pytest.fixture
def rtsp_camera() -> Iterator[RtspCamera]:
    camera = RtspCamera().start()
    yield camera
    camera.kill()


@pytest.fixture
def agent_on(mqtt_broker: PrivateMosquitto, rtsp_camera: RtspCamera, tmp_path: Path) -> Iterator[Listener]:
    """The agent reading the camera, once pictures flow: the camera starts stalled, so that the first
    `stream_restored` says the agent reads it (the heartbeat's `online` comes before the first frame)."""
    listener = Listener(mqtt_broker, Topics("sentinel"))
    camera = {"stream_timeout_s": STREAM_TIMEOUT_S, "open_timeout_s": 2, "read_timeout_s": 1}
    options = AgentOptions(
        district_file=district(tmp_path / "district.yaml", rtsp_camera.url, camera),
        mqtt_url=mqtt_broker.url,
        media_dir=tmp_path / "media",
        http_port=0,
        workers=1,
    )
    rtsp_camera.send("stall")
    agent = AgentThread(options).start()
    try:
        listener.next_event(timeout_s=STREAM_TIMEOUT_S + 10, detail="stream_lost")
        rtsp_camera.send("play")
        listener.next_event(timeout_s=RESTORED_WITHIN_S + 10, detail="stream_restored")
        yield listener
    finally:
        agent.stop()
        listener.link.close()


def lost_and_restored(listener: Listener, cut: Callable[[], object], restore: Callable[[], object]) -> None:
    """Cuts the picture, waits for stream_lost, restores it, waits for stream_restored, each in time."""
    cut_at = time.monotonic()
    cut()
    listener.next_event(timeout_s=LOST_WITHIN_S + 5, detail="stream_lost")
    lost_after = time.monotonic() - cut_at
    assert lost_after <= LOST_WITHIN_S, f"stream_lost {lost_after:.1f}s after the cut"
    back_at = time.monotonic()
    restore()
    listener.next_event(timeout_s=RESTORED_WITHIN_S + 5, detail="stream_restored")
    restored_after = time.monotonic() - back_at
    assert restored_after <= RESTORED_WITHIN_S, f"stream_restored {restored_after:.1f}s after the return"


def test_a_stream_that_stalls_with_its_session_open_is_lost_and_restored(
    rtsp_camera: RtspCamera, agent_on: Listener
) -> None:
    lost_and_restored(agent_on, lambda: rtsp_camera.send("stall"), lambda: rtsp_camera.send("play"))


def test_a_frozen_picture_is_lost_and_restored(rtsp_camera: RtspCamera, agent_on: Listener) -> None:
    lost_and_restored(agent_on, lambda: rtsp_camera.send("still"), lambda: rtsp_camera.send("play"))


def test_a_killed_camera_is_lost_and_restored_once_it_serves_again(rtsp_camera: RtspCamera, agent_on: Listener) -> None:
    lost_and_restored(agent_on, rtsp_camera.kill, rtsp_camera.start)
