"""Stream health from frame content and timestamps, not only from read errors.

A stream is alive while it delivers *new* pictures: a camera whose encoder hangs may keep the RTSP session open
and send nothing, or keep sending the same picture, and a reconnecting reader may hand out a stale frame. So a
frame counts only when its stream timestamp advanced (when the stream has one) and its picture differs from the
previous one; sensor noise alone makes every live picture differ. No new picture for `timeout_s` → lost; the
next new picture → restored.
"""

from __future__ import annotations

import cv2
import numpy as np

from hub.video.detections import TamperKind
from hub.video.tamper import TamperEvent

# Mean absolute grey-level difference under which two analysis frames are the same picture. Sensor noise on a
# still scene gives ~1 after the analysis' smoothing; a re-sent or re-decoded picture gives 0.
SAME_PICTURE_DIFF = 0.05


class FreshFrames:
    """Tells new pictures from repeated ones, frame by frame (pure; one per capture)."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._position_ms: float | None = None

    def is_fresh(self, gray: np.ndarray, position_ms: float | None = None) -> bool:
        previous, self._previous = self._previous, gray
        if position_ms is not None and position_ms > 0:
            stale = self._position_ms is not None and position_ms <= self._position_ms
            self._position_ms = position_ms
            if stale:
                return False
        if previous is None or previous.shape != gray.shape:
            return True
        return float(cv2.mean(cv2.absdiff(previous, gray))[0]) > SAME_PICTURE_DIFF

    def restart(self) -> None:
        """A new connection (or a file replayed from its start): its timestamps start again."""
        self._position_ms = None


class StreamWatchdog:
    def __init__(self, timeout_s: float, started_t: float) -> None:
        self.timeout_s = timeout_s
        self._last_frame_t = started_t  # a stream that never delivers is lost `timeout_s` after start
        self.lost = False

    def frame(self, t: float, fresh: bool = True) -> list[TamperEvent]:
        """A frame arrived at `t`; only a fresh one (a new picture) keeps the stream alive or restores it."""
        if not fresh:
            return self.check(t)
        self._last_frame_t = t
        if not self.lost:
            return []
        self.lost = False
        return [TamperEvent(TamperKind.STREAM_RESTORED, t, 0.0)]

    def check(self, now: float) -> list[TamperEvent]:
        silence = now - self._last_frame_t
        if self.lost or silence < self.timeout_s:
            return []
        self.lost = True
        return [TamperEvent(TamperKind.STREAM_LOST, now, silence)]
