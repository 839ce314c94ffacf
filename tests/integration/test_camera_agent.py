"""The camera agent end to end: a simulated MJPEG camera → capture → analysis in a worker process → a
`CameraEvent` on the camera's MQTT topic, exactly as a smart camera would publish it, with a snapshot inline and
a clip served by the agent; stream loss and recovery; retained status with a clean `offline` at shutdown."""

from __future__ import annotations

import asyncio
import base64
import json
import queue
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
import yaml

from devices.contract import CameraEvent, CameraEventType, Topics, decode
from devices.link import DeviceLink
from hub.adapters.camera.agent import AgentOptions, serve_agent
from hub.adapters.camera.media import count_frames
from hub.adapters.camera.registry import load_cameras
from sentinel_dev.services import PrivateMosquitto
from simulators.camera.mjpeg import MjpegCamera, SceneSource
from simulators.camera.render import Scene
from simulators.camera.scenarios import YARD, Scenario, walker
from tests.integration.test_camera_mjpeg import ServedCamera

SITE, CAMERA = "school-1", "cam-yard"
# Someone walks into the yard 5 s after the stream starts (the analysis needs 2 s to learn the background).
INTRUDER = Scenario(
    "intruder", Scene(seed=31, walkers=(walker((4, 0.05, 0.78), (9, 0.55, 0.8), (30, 0.6, 0.85)),)), 30, (YARD,)
)


def yard_school(stream: str, report_interval_s: int, **camera: object) -> dict[str, Any]:
    """A district of one school whose camera (`stream`) watches the yard, an intrusion zone, beside a loudspeaker."""
    yard = {"id": "yard", "kind": "intrusion", "polygon": [list(p) for p in YARD.polygon]}
    settings = {"stream": stream, "fps": 5, "speakers": ["spk-yard"], "zones": [yard], **camera}
    return {
        "district": {"id": "d", "name": "D", "timezone": "Asia/Shanghai"},
        "grids": [{"id": "g1", "name": "G"}],
        "sites": [
            {
                "id": SITE,
                "name": "School",
                "kind": "school",
                "grid": "g1",
                "devices": [
                    {"id": CAMERA, "kind": "camera", "report_interval_s": report_interval_s, "camera": settings},
                    {"id": "spk-yard", "kind": "speaker"},
                ],
            }
        ],
    }


def district(path: Path, stream: str, settings: Mapping[str, object] | None = None) -> Path:
    path.write_text(yaml.safe_dump(yard_school(stream, 10, **{"stream_timeout_s": 2, **(settings or {})})))
    return path


class AgentThread:
    """serve_agent on an event loop of its own, stopped like SIGTERM would."""

    def __init__(self, options: AgentOptions) -> None:
        self.options = options
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="camera-agent", daemon=True)
        self.error: BaseException | None = None

    def _run(self) -> None:
        async def main() -> None:
            ready = asyncio.Event()
            watcher = asyncio.create_task(ready.wait())
            watcher.add_done_callback(lambda _: self._ready.set())
            cameras = load_cameras(self.options.district_file, self.options.cameras)
            await serve_agent(self.options, cameras, self._stop, ready)

        try:
            self._loop.run_until_complete(main())
        except BaseException as exc:  # surfaced by the test
            self.error = exc
            self._ready.set()

    def start(self) -> AgentThread:
        self._thread.start()
        assert self._ready.wait(30) and self.error is None, self.error
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(20)
        assert not self._thread.is_alive() and self.error is None, self.error


class Listener:
    """Everything published on the camera's event and status topics, as JSON, in order."""

    def __init__(self, broker: PrivateMosquitto, topics: Topics) -> None:
        self.events: queue.Queue[tuple[bytes, dict]] = queue.Queue()
        self.statuses: queue.Queue[dict] = queue.Queue()
        self.link = DeviceLink(broker.url, f"test-listener-{time.monotonic_ns()}").connect()
        self.link.subscribe(topics.camera_event(SITE, CAMERA), lambda _t, p: self.events.put((p, json.loads(p))))
        self.link.subscribe(
            topics.device_status(SITE, "camera", CAMERA), lambda _t, p: self.statuses.put(json.loads(p))
        )

    def next_event(self, timeout_s: float, detail: str | None = None, kind: str | None = None) -> tuple[bytes, dict]:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw, event = self.events.get(timeout=left)
            except queue.Empty:
                break
            if (detail is None or event.get("detail") == detail) and (kind is None or event["type"] == kind):
                return raw, event
        pytest.fail(f"no {kind or detail} event within {timeout_s}s")

    def status(self, state: str, timeout_s: float) -> dict:
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                status = self.statuses.get(timeout=left)
            except queue.Empty:
                break
            if status["state"] == state:
                return status
        pytest.fail(f"no {state} status within {timeout_s}s")


def fetch(url: str, timeout_s: float) -> bytes:
    """GET, retrying while the agent answers 404 (a clip is served once it is recorded)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except HTTPError as error:
            if error.code != 404 or time.monotonic() > deadline:
                raise
            assert error.headers["Retry-After"]
            time.sleep(0.3)


@pytest.fixture
def camera() -> Iterator[ServedCamera]:
    served = ServedCamera(MjpegCamera(SceneSource(INTRUDER, fps=10))).start()
    yield served
    served.stop()


def test_the_agent_publishes_an_intrusion_with_media_and_supervises_the_stream(
    mqtt_broker: PrivateMosquitto, camera: ServedCamera, tmp_path: Path
) -> None:
    topics = Topics("sentinel")
    listener = Listener(mqtt_broker, topics)
    options = AgentOptions(
        district_file=district(tmp_path / "district.yaml", camera.url),
        mqtt_url=mqtt_broker.url,
        media_dir=tmp_path / "media",
        http_port=0,
        workers=1,
        pre_s=2.0,
        post_s=2.0,
    )
    agent = AgentThread(options).start()
    try:
        assert listener.status("online", timeout_s=10)["firmware"] == "sentinel-camera-agent"

        raw, _event = listener.next_event(timeout_s=20, kind="intrusion")
        contract = decode(CameraEvent, raw)
        assert contract.type is CameraEventType.INTRUSION and contract.zone == "yard"
        assert contract.ts.utcoffset() is not None and contract.score is not None
        assert contract.objects and all(0 <= v <= 1 for v in contract.objects[0].box or [])
        assert base64.b64decode(contract.snapshot or "")[:2] == b"\xff\xd8"
        assert contract.clip is not None and contract.clip.startswith("http://127.0.0.1:")

        clip = tmp_path / "downloaded.webm"
        clip.write_bytes(fetch(contract.clip, timeout_s=10))
        assert clip.read_bytes()[:4] == b"\x1a\x45\xdf\xa3" and count_frames(clip) >= 15  # ~2 s + 2 s at 5 fps
        snapshot_url = contract.clip.removesuffix(".webm") + ".jpg"
        assert fetch(snapshot_url, timeout_s=1) == base64.b64decode(contract.snapshot or "")

        camera.stop()
        _, lost = listener.next_event(timeout_s=10, detail="stream_lost")
        assert lost["type"] == "tamper" and "snapshot" not in lost
        listener.status("offline", timeout_s=5)
        camera.start()
        _, restored = listener.next_event(timeout_s=15, detail="stream_restored")
        assert restored["type"] == "tamper" and restored["event_id"] != lost["event_id"]
        listener.status("online", timeout_s=5)
    finally:
        agent.stop()
        listener.status("offline", timeout_s=5)
        listener.link.close()
