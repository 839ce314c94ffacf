"""Delays between retries of one thing that keeps failing (a connection, a batch, a relay): the first delay,
then `factor` times the last up to `maximum_s`, each spread by ±`jitter` so that many clients do not retry in
step; back to the first after a success (`reset`). The one home of the hub's retry pacing."""

from __future__ import annotations

import random


class Backoff:
    def __init__(
        self, initial_s: float = 1.0, maximum_s: float = 30.0, factor: float = 2.0, jitter: float = 0.0
    ) -> None:
        self.initial_s, self.maximum_s, self.factor, self.jitter = initial_s, maximum_s, factor, jitter
        self._next = initial_s

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum_s)
        return delay * random.uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else delay

    def reset(self) -> None:
        self._next = self.initial_s
