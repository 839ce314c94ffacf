"""Whether a supervised child still ticks: the watchdog's timing, apart from the processes it watches.

A child reports (ticks) every half second or so; one silent for `stall_after_s` is frozen (stopped,
deadlocked, its event loop wedged) and must be killed. A child just started gets `start_grace_s` for
its first tick, since it imports and connects before its event loop runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Liveness:
    def __init__(
        self, stall_after_s: float = 5.0, start_grace_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stall_after_s = stall_after_s
        self.start_grace_s = start_grace_s
        self._clock = clock
        self._started: float | None = None  # None: no child runs
        self._last_tick: float | None = None

    def started(self) -> None:
        self._started, self._last_tick = self._clock(), None

    def stopped(self) -> None:
        self._started = self._last_tick = None

    def ticked(self) -> None:
        if self._started is not None:
            self._last_tick = self._clock()

    def silent_s(self) -> float | None:
        """Seconds since the last tick (or since the start, before the first one); None when none runs."""
        if self._started is None:
            return None
        return self._clock() - (self._last_tick if self._last_tick is not None else self._started)

    @property
    def up(self) -> bool:
        """A child runs and has ticked within `stall_after_s`."""
        silent = self.silent_s()
        return self._last_tick is not None and silent is not None and silent <= self.stall_after_s

    def stalled(self) -> bool:
        """The running child is frozen: silent past its allowance (the start grace before its first tick)."""
        silent = self.silent_s()
        if silent is None:
            return False
        return silent > (self.stall_after_s if self._last_tick is not None else self.start_grace_s)
