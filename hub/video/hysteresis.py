"""A condition that must hold for a while before it is raised, and its opposite for a while before it clears:
the difference between a camera alarm and a flapping one."""

from __future__ import annotations

from enum import Enum

# Frame times rarely add up to a duration to the last bit (t = i / fps, on top of an epoch): a change that held for
# the duration within a millisecond held for it.
FRAME_TIME_TOLERANCE_S = 1e-3


class Change(Enum):
    RAISED = "raised"
    CLEARED = "cleared"


class Debounced:
    def __init__(self, raise_after_s: float, clear_after_s: float) -> None:
        self.raise_after_s = raise_after_s
        self.clear_after_s = clear_after_s
        self.active = False
        self._since: float | None = None  # when the pending change started to hold

    @property
    def pending(self) -> bool:
        return self._since is not None

    def update(self, bad: bool, good: bool, t: float) -> Change | None:
        """`bad` is the condition to raise on, `good` the (stricter) one to clear on; between them nothing moves."""
        holding = good if self.active else bad
        if not holding:
            self._since = None
            return None
        if self._since is None:
            self._since = t
        if t - self._since < (self.clear_after_s if self.active else self.raise_after_s) - FRAME_TIME_TOLERANCE_S:
            return None
        self._since = None
        self.active = not self.active
        return Change.RAISED if self.active else Change.CLEARED
