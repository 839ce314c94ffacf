"""Video verification in the camera agent: the hub's `record` command (CameraCommand on the camera command
topic) → a clip from the pre-event buffer covering `pre_s` before the press to `post_s` after it, and a
snapshot at the press → a `verification` camera event that carries both and answers the command.

The event is published once the clip is written, so the hub can fetch it at once. Runs on the event loop;
encoding happens in threads.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

import numpy as np
import structlog

from devices.contract import CameraAction, CameraCommand, CameraEvent, CameraEventType, ContractError, decode
from devices.contract.payloads import as_dict
from hub.adapters.camera.media import MediaError, MediaStore
from hub.adapters.camera.ring_buffer import PreEventBuffer

DEFAULT_PRE_S, DEFAULT_POST_S = 8.0, 4.0


@dataclass(slots=True)
class _Recording:
    command: CameraCommand
    until_t: float
    times: list[float] = field(default_factory=list)
    frames: list[np.ndarray] = field(default_factory=list)

    def add(self, t: float, image: np.ndarray) -> None:
        if self.times and t <= self.times[-1]:
            return  # frames come from the buffer first, then as they arrive: each once, in order
        self.times.append(t)
        self.frames.append(image)

    @property
    def complete(self) -> bool:
        return bool(self.times) and self.times[-1] >= self.until_t


class PressVerifier:
    """One camera's answers to `record` commands. `request` takes the raw command; `feed` every frame."""

    def __init__(
        self,
        camera: str,
        buffer: PreEventBuffer,
        store: MediaStore,
        base_url: str,
        publish: Callable[[bytes], None],
        fps: float,
        tz: tzinfo,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._camera, self._buffer, self._store, self._base_url = camera, buffer, store, base_url.rstrip("/")
        self._publish, self._fps, self._tz, self._clock = publish, fps, tz, clock
        self._recordings: list[_Recording] = []
        self._tasks: set[asyncio.Task[None]] = set()
        # Command ids answered or in progress: a redelivery (QoS 1) is not a second clip.
        self._seen: deque[str] = deque(maxlen=256)
        self.log = structlog.get_logger(__name__).bind(camera=camera)

    def request(self, payload: bytes) -> None:
        try:
            command = decode(CameraCommand, payload)
        except ContractError as exc:
            self.log.warning("camera_command_refused", reason=exc.reason, detail=exc.detail)
            return
        log = self.log.bind(command_id=command.command_id)
        if command.action is not CameraAction.RECORD or command.command_id in self._seen:
            return
        if command.expires_at is not None and command.expires_at.timestamp() < self._clock():
            log.warning("camera_command_expired", expires_at=command.expires_at.isoformat())
            return
        self._seen.append(command.command_id)
        at = command.at.timestamp()
        pre = DEFAULT_PRE_S if command.pre_s is None else command.pre_s
        post = DEFAULT_POST_S if command.post_s is None else command.post_s
        recording = _Recording(command, at + post)
        for t, image in self._buffer.since(at - pre):
            if t <= recording.until_t:
                recording.add(t, image)
        log.info("camera_verification_recording", buffered=len(recording.frames), pre_s=pre, post_s=post)
        self._recordings.append(recording)
        self._finish_complete()

    def feed(self, t: float, image: np.ndarray) -> None:
        for recording in self._recordings:
            if not recording.complete:
                recording.add(t, image)
        self._finish_complete()

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _finish_complete(self) -> None:
        for recording in [r for r in self._recordings if r.complete]:
            self._recordings.remove(recording)
            task = asyncio.create_task(self._answer(recording), name=f"verify-{recording.command.command_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _answer(self, recording: _Recording) -> None:
        command = recording.command
        event_id = f"{command.command_id}-{int(self._clock() * 1000)}"
        at = command.at.timestamp()
        nearest = min(range(len(recording.times)), key=lambda i: abs(recording.times[i] - at))
        try:
            snapshot = await asyncio.to_thread(
                self._store.save_snapshot, self._camera, event_id, at, recording.frames[nearest]
            )
            path = await asyncio.to_thread(
                self._store.save_clip, self._camera, event_id, at, recording.frames, self._fps
            )
        except (MediaError, OSError) as exc:
            self.log.error("camera_verification_failed", command_id=command.command_id, error=str(exc))
            return
        event = CameraEvent(
            event_id=event_id,
            type=CameraEventType.VERIFICATION,
            ts=datetime.fromtimestamp(self._clock(), self._tz),
            snapshot=base64.b64encode(snapshot).decode("ascii"),
            clip=f"{self._base_url}/media/{self._store.relative(path)}",
            command_id=command.command_id,
            clip_start=datetime.fromtimestamp(recording.times[0], UTC).astimezone(self._tz),
            clip_end=datetime.fromtimestamp(recording.times[-1], UTC).astimezone(self._tz),
        )
        self._publish(json.dumps(as_dict(event), ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        self.log.info(
            "camera_verification_published",
            command_id=command.command_id,
            frames=len(recording.frames),
            before_s=round(at - recording.times[0], 2),
            after_s=round(recording.times[-1] - at, 2),
        )
