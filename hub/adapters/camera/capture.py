"""Reading a camera's stream with OpenCV in a thread of its own, at the analysis rate, reconnecting with
a short exponential backoff.

OpenCV's `read` blocks and decodes, so it runs off the event loop; it releases the GIL while decoding, so a
thread per camera is enough. Frames are taken at the analysis rate: a live stream is drained (`grab`, which
must decode anyway) but only the frames due are converted (`retrieve`); a file is paced at its own frame rate,
as if it were live, and replays from its start at once when it ends (a loop is not an outage).

FFmpeg's open and read timeouts come from the camera's config: a stream that stops delivering (the RTSP session
still open) makes `grab` fail after the read timeout, and the capture reconnects. Reconnection attempts are at
most `reconnect_max_s` apart, so a camera that comes back is read again within seconds; whether the stream is
alive is decided from what arrives (`hub.video.stream`), not here.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import structlog

from hub.services.backoff import Backoff

log = structlog.get_logger(__name__)

FFMPEG_CAPTURE_OPTIONS = "analyzeduration;500000"  # µs; set only when the environment does not say otherwise


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    t: float  # wall-clock seconds since the epoch when the frame was read
    image: np.ndarray  # as decoded (BGR)
    position_ms: float | None = None  # the stream's own timestamp of the frame, when it has one
    connection: int = 0  # counts the (re)connections: a stream's timestamps restart with each


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
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name, self.url, self.fps = name, url, fps
        self._on_frame = on_frame
        self._backoff = backoff or Backoff(initial_s=0.5, maximum_s=2.0)
        self._timeouts_ms = (int(open_timeout_s * 1000), int(read_timeout_s * 1000))
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{name}", daemon=True)
        self.frames_read = 0
        self.reconnects = 0
        self.connections = 0

    def start(self) -> None:
        # FFmpeg probes a new stream for up to 5 s before its first frame (an RTP/JPEG camera takes ~2 s);
        # half a second is plenty to find a camera's one video stream, and a returning camera is back sooner.
        os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", FFMPEG_CAPTURE_OPTIONS)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            capture = self._open()
            replay = False
            if capture is not None:
                try:
                    replay = self._read_until_end(capture) and not is_live(self.url)
                finally:
                    capture.release()
            if self._stop.is_set():
                return
            if replay:  # a file played to its end: loop at once, as a camera that never stops
                continue
            delay = self._backoff.next_delay()
            self.reconnects += 1
            log.info("camera_reconnecting", camera=self.name, in_s=delay)
            self._stop.wait(delay)

    def _open(self) -> cv2.VideoCapture | None:
        source = self.url.removeprefix("file://")
        open_ms, read_ms = self._timeouts_ms
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, open_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, read_ms]
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
        if not capture.isOpened():
            capture.release()
            log.warning("camera_open_failed", camera=self.name)
            return None
        self.connections += 1
        log.info("camera_opened", camera=self.name, backend=capture.getBackendName())
        return capture

    def _read_until_end(self, capture: cv2.VideoCapture) -> bool:
        """Read until the stream ends or fails; True when it delivered frames before it ended."""
        rate = FrameRate(self.fps)
        live = is_live(self.url)
        opened_at = self._clock()
        delivered = False
        while not self._stop.is_set():
            if not capture.grab():
                log.warning("camera_stream_ended", camera=self.name, frames=self.frames_read)
                return delivered
            position_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
            if not live:  # a file plays at its own pace, as a camera would deliver it
                lag = opened_at + position_ms / 1000 - self._clock()
                if lag > 0 and self._stop.wait(lag):
                    return delivered
            t = self._clock()
            if not rate.due(t):
                continue
            ok, image = capture.retrieve()
            if not ok:
                continue
            self.frames_read += 1
            delivered = True
            self._backoff.reset()
            self._on_frame(CapturedFrame(t, image, position_ms if position_ms > 0 else None, self.connections))
        return delivered
