"""Reading a camera's stream with OpenCV in a thread of its own, at the analysis rate, reconnecting with
exponential backoff.

OpenCV's `read` blocks and decodes, so it runs off the event loop; it releases the GIL while decoding, so a
thread per camera is enough. Frames are taken at the analysis rate: a live stream is drained (`grab`, which
must decode anyway) but only the frames due are converted (`retrieve`); a file is paced at its own frame rate,
as if it were live, and replays after a backoff pause when it ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import structlog

from hub.services.backoff import Backoff

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    t: float  # wall-clock seconds since the epoch when the frame was read
    image: np.ndarray  # as decoded (BGR)


def is_live(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


class FrameRate:
    """Which frames to keep to analyse `fps` frames per second of a faster stream."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps
        self._next_due = 0.0

    def due(self, t: float) -> bool:
        if t < self._next_due - 1e-3:  # a millisecond's slack: frame times are not exact multiples
            return False
        # Keep the cadence, but never try to catch up on a backlog after a stall.
        self._next_due = max(self._next_due + self.period, t + self.period / 2)
        return True


class OpenCvCapture:
    """One camera's capture thread. `on_frame` is called from that thread for each frame due."""

    def __init__(
        self,
        name: str,
        url: str,
        fps: float,
        on_frame: Callable[[CapturedFrame], None],
        backoff: Backoff | None = None,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name, self.url, self.fps = name, url, fps
        self._on_frame = on_frame
        self._backoff = backoff or Backoff()
        self._timeout_ms = int(timeout_s * 1000)
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{name}", daemon=True)
        self.frames_read = 0
        self.reconnects = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            capture = self._open()
            if capture is not None:
                try:
                    self._read_until_end(capture)
                finally:
                    capture.release()
            if self._stop.is_set():
                return
            delay = self._backoff.next_delay()
            self.reconnects += 1
            log.info("camera_reconnecting", camera=self.name, in_s=delay)
            self._stop.wait(delay)

    def _open(self) -> cv2.VideoCapture | None:
        source = self.url.removeprefix("file://")
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self._timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, self._timeout_ms]
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            log.warning("camera_open_failed", camera=self.name)
            return None
        log.info("camera_opened", camera=self.name, backend=capture.getBackendName())
        return capture

    def _read_until_end(self, capture: cv2.VideoCapture) -> None:
        rate = FrameRate(self.fps)
        live = is_live(self.url)
        opened_at = self._clock()
        while not self._stop.is_set():
            if not capture.grab():
                log.warning("camera_stream_ended", camera=self.name, frames=self.frames_read)
                return
            if not live:  # a file plays at its own pace, as a camera would deliver it
                lag = opened_at + capture.get(cv2.CAP_PROP_POS_MSEC) / 1000 - self._clock()
                if lag > 0 and self._stop.wait(lag):
                    return
            t = self._clock()
            if not rate.due(t):
                continue
            ok, image = capture.retrieve()
            if not ok:
                continue
            self.frames_read += 1
            self._backoff.reset()
            self._on_frame(CapturedFrame(t, image))
