"""The alarm lane's right of way on the event loop (docs/design.md, "Lanes").

Both lanes share one event loop: every turn of it runs whatever is ready, so an alarm's statements
wait behind the routine lane's parsing and batch building between each of their round trips. While
the alarm lane holds messages not yet committed, the routine lane starts no new slice or batch (what
it has in flight goes on); it waits at most `max_hold_s` per turn, so a flood of alarms slows the
routine traffic and never stops it.
"""

from __future__ import annotations

import asyncio

from hub.services.polling import wait_at_most


class AlarmRightOfWay:
    def __init__(self, max_hold_s: float = 0.05) -> None:
        self._max_hold_s = max_hold_s
        self._clear = asyncio.Event()
        self._clear.set()

    def alarm_taken(self) -> None:
        """The alarm lane took messages it has not committed yet."""
        self._clear.clear()

    def alarms_done(self) -> None:
        """The alarm lane holds nothing uncommitted."""
        self._clear.set()

    async def routine_turn(self) -> None:
        """Before the routine lane starts new work: wait while an alarm is in hand (bounded)."""
        if self._clear.is_set():
            return
        await wait_at_most(self._max_hold_s, self._clear.wait())
