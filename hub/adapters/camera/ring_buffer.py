"""The last few seconds of a camera's frames, so that an event's clip can start before the event."""

from __future__ import annotations

from collections import deque

import numpy as np


class PreEventBuffer:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._frames: deque[tuple[float, np.ndarray]] = deque()

    def append(self, t: float, image: np.ndarray) -> None:
        self._frames.append((t, image))
        while self._frames and self._frames[0][0] < t - self.seconds:
            self._frames.popleft()

    def since(self, t: float) -> list[tuple[float, np.ndarray]]:
        return [(ft, image) for ft, image in self._frames if ft >= t]

    def __len__(self) -> int:
        return len(self._frames)
