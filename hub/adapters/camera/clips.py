"""Gathering an event's clip: the buffered seconds before the event, then frames until `post_s` after it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class ClipRecording:
    event_id: str
    event_t: float
    until_t: float
    frames: list[np.ndarray] = field(default_factory=list)

    def add(self, t: float, image: np.ndarray) -> bool:
        """Add a frame; True once the clip is complete (the frame at or after `until_t` is the last)."""
        self.frames.append(image)
        return t >= self.until_t
