"""One camera in the agent: capture thread → (pre-event buffer, analysis in a worker process) → events with a
snapshot and a clip, published as the camera; plus stream supervision and the status heartbeat.

Runs on the event loop but does no CPU work there: downscaling happens in the capture thread, analysis in a
worker process, drawing and encoding of media in threads.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import structlog

from devices.contract import DeviceState
from hub.adapters.camera.capture import CapturedFrame, OpenCvCapture
from hub.adapters.camera.clips import ClipRecording
from hub.adapters.camera.debounce import ZoneEventDebounce
from hub.adapters.camera.events import camera_event_payload
from hub.adapters.camera.media import CLIP_SUFFIX, MediaError, MediaStore
from hub.adapters.camera.registry import CameraSpec
from hub.adapters.camera.ring_buffer import PreEventBuffer
from hub.video.annotate import draw_detection
from hub.video.detections import Detection, DetectionType, TamperKind
from hub.video.frames import to_analysis_gray
from hub.video.stream import StreamWatchdog
from hub.video.tamper import TamperEvent


class Analysis(Protocol):
    async def analyze(self, camera: str, gray: np.ndarray, t: float) -> list[Detection]: ...


class EventPublisher(Protocol):
    def publish_event(self, payload: bytes) -> None: ...
    def publish_status(self, state: DeviceState) -> None: ...


@dataclass(frozen=True, slots=True)
class MediaOptions:
    base_url: str  # absolute http URL under which the media server answers, e.g. http://10.1.2.3:8091
    pre_s: float = 4.0
    post_s: float = 4.0
    clip_width: int = 640  # clips are downscaled to this width at most
    snapshot_width: int = 1280


@dataclass(frozen=True, slots=True)
class PreparedFrame:
    t: float
    image: np.ndarray  # as decoded, for the snapshot
    gray: np.ndarray  # for analysis
    clip: np.ndarray  # for the clip


def _fit_width(image: np.ndarray, width: int) -> np.ndarray:
    if image.shape[1] <= width:
        return image
    height = round(image.shape[0] * width / image.shape[1])
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)


class CameraPipeline:
    def __init__(
        self,
        spec: CameraSpec,
        analysis: Analysis,
        publisher: EventPublisher,
        store: MediaStore,
        media: MediaOptions,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec, self._analysis, self._publisher, self._store, self._media = spec, analysis, publisher, store, media
        self._clock = clock
        self._tz = ZoneInfo(spec.timezone)
        self._frames: asyncio.Queue[PreparedFrame] = asyncio.Queue(maxsize=2)
        self._buffer = PreEventBuffer(media.pre_s)
        self._recordings: list[ClipRecording] = []
        self._background: set[asyncio.Task[None]] = set()
        self._watchdog = StreamWatchdog(spec.config.stream_timeout_s, clock())
        self._debounce = ZoneEventDebounce(spec.config.event_repeat_s)
        self.log = structlog.get_logger(__name__).bind(camera=spec.device, site=spec.site)
        self.frames_analysed = 0
        self.frames_dropped = 0
        self.events_published = 0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()

        def on_frame(frame: CapturedFrame) -> None:  # in the capture thread
            prepared = PreparedFrame(
                frame.t, frame.image, to_analysis_gray(frame.image), _fit_width(frame.image, self._media.clip_width)
            )
            loop.call_soon_threadsafe(self._offer, prepared)

        capture = OpenCvCapture(self.spec.device, self.spec.stream, self.spec.config.fps, on_frame)
        capture.start()
        self.log.info("camera_pipeline_started", stream=_redact(self.spec.stream), fps=self.spec.config.fps)
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._analyse_frames(), name=f"analyse-{self.spec.device}")
                tasks.create_task(self._watch_stream(), name=f"watch-{self.spec.device}")
                tasks.create_task(self._heartbeat(), name=f"heartbeat-{self.spec.device}")
        finally:
            await asyncio.to_thread(capture.stop)
            for task in list(self._background):
                task.cancel()

    def _offer(self, frame: PreparedFrame) -> None:
        if self._frames.full():  # analysis is behind: drop the oldest, keep the present
            self._frames.get_nowait()
            self.frames_dropped += 1
        self._frames.put_nowait(frame)

    async def _analyse_frames(self) -> None:
        while True:
            frame = await self._frames.get()
            for event in self._watchdog.frame(frame.t):
                await self._on_stream_change(event, frame)
            self._buffer.append(frame.t, frame.clip)
            self._feed_recordings(frame)
            detections = await self._analysis.analyze(self.spec.device, frame.gray, frame.t)
            self.frames_analysed += 1
            for detection in detections:
                if self._debounce.allow(detection):
                    await self._emit(detection, frame)

    async def _watch_stream(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            for event in self._watchdog.check(self._clock()):
                await self._on_stream_change(event, None)

    async def _heartbeat(self) -> None:
        while True:
            self._publisher.publish_status(DeviceState.OFFLINE if self._watchdog.lost else DeviceState.ONLINE)
            self.log.debug("camera_heartbeat", analysed=self.frames_analysed, dropped=self.frames_dropped)
            await asyncio.sleep(max(self.spec.report_interval_s / 2, 1.0))

    async def _on_stream_change(self, event: TamperEvent, frame: PreparedFrame | None) -> None:
        lost = event.kind is TamperKind.STREAM_LOST
        self.log.warning("camera_stream_lost" if lost else "camera_stream_restored", silent_s=round(event.measure, 1))
        # A camera without picture is as good as offline for supervision: say so on its status topic too.
        self._publisher.publish_status(DeviceState.OFFLINE if lost else DeviceState.ONLINE)
        await self._emit(Detection(DetectionType.TAMPER, event.t, 1.0, tamper=event.kind), frame)

    async def _emit(self, detection: Detection, frame: PreparedFrame | None) -> None:
        event_id = uuid.uuid4().hex
        snapshot: bytes | None = None
        clip_url: str | None = None
        if frame is not None:
            try:
                snapshot = await asyncio.to_thread(self._save_snapshot, detection, frame.image, event_id)
            except (MediaError, OSError) as exc:
                self.log.error("camera_snapshot_failed", event_id=event_id, error=str(exc))
            clip_url = self._start_clip(detection, event_id)
        payload = camera_event_payload(detection, event_id, self._tz, snapshot, clip_url)
        self._publisher.publish_event(payload)
        self.events_published += 1
        self.log.info(
            "camera_event",
            detection=detection.name,
            zone=detection.zone_id,
            event_id=event_id,
            objects=len(detection.objects),
        )

    def _save_snapshot(self, detection: Detection, image: np.ndarray, event_id: str) -> bytes:
        drawn = draw_detection(_fit_width(image, self._media.snapshot_width), detection)
        return self._store.save_snapshot(self.spec.device, event_id, detection.t, drawn)

    def _start_clip(self, detection: Detection, event_id: str) -> str:
        before = [image for _, image in self._buffer.since(detection.t - self._media.pre_s)]
        recording = ClipRecording(event_id, detection.t, detection.t + self._media.post_s, before)
        self._recordings.append(recording)
        path = self._store.path_for(self.spec.device, event_id, detection.t, CLIP_SUFFIX)
        return f"{self._media.base_url.rstrip('/')}/media/{self._store.relative(path)}"

    def _feed_recordings(self, frame: PreparedFrame) -> None:
        still_recording = []
        for recording in self._recordings:
            if recording.add(frame.t, frame.clip):
                task = asyncio.create_task(self._save_clip(recording), name=f"clip-{recording.event_id}")
                self._background.add(task)
                task.add_done_callback(self._background.discard)
            else:
                still_recording.append(recording)
        self._recordings = still_recording

    async def _save_clip(self, recording: ClipRecording) -> None:
        fps = self.spec.config.fps
        try:
            path = await asyncio.to_thread(
                self._store.save_clip, self.spec.device, recording.event_id, recording.event_t, recording.frames, fps
            )
        except (MediaError, OSError) as exc:
            self.log.error("camera_clip_failed", event_id=recording.event_id, error=str(exc))
            return
        self.log.info("camera_clip_saved", event_id=recording.event_id, frames=len(recording.frames), path=str(path))


def _redact(url: str) -> str:
    """A stream URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
