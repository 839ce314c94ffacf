"""Stream loss decided from frame arrival times: no frame for `timeout_s` → lost; the next frame → restored."""

from __future__ import annotations

from hub.video.detections import TamperKind
from hub.video.tamper import TamperEvent


class StreamWatchdog:
    def __init__(self, timeout_s: float, started_t: float) -> None:
        self.timeout_s = timeout_s
        self._last_frame_t = started_t  # a stream that never delivers is lost `timeout_s` after start
        self.lost = False

    def frame(self, t: float) -> list[TamperEvent]:
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
