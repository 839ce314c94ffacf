"""The alarm lane's right of way on the event loop (docs/design.md, "Lanes").

Both lanes share one event loop: every turn of it runs whatever is ready, so an alarm's statements
wait behind the routine lane's parsing and batch building between each of their round trips. While
the alarm lane holds messages not yet committed, the routine lane starts no new slice or batch (what
it has in flight goes on); it waits at most `max_hold_s` per turn, so a flood of alarms slows the
routine traffic and never stops it.

With the routine lane in a process of its own (hub/routine.py) the loops are two, but the database is
still one: the main process tells the routine process when it holds alarms (`observe`), and the routine
lane there holds back the same way, so an alarm's statements meet as little routine work in PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hub.services.polling import wait_at_most


class AlarmRightOfWay:
    def __init__(self, max_hold_s: float = 0.05) -> None:
        self._max_hold_s = max_hold_s
        self._clear = asyncio.Event()
        self._clear.set()
        self._holders: set[str] = set()
        self._observers: list[Callable[[bool], None]] = []

    def observe(self, observer: Callable[[bool], None]) -> None:
        """Call `observer(held)` whenever alarms come to be held, or none any more."""
        self._observers.append(observer)

    def alarm_taken(self, holder: str = "alarm lane") -> None:
        """An alarm lane (this process's, or another's) took messages it has not committed yet."""
        self._change(self._holders | {holder})

    def alarms_done(self, holder: str = "alarm lane") -> None:
        """That alarm lane holds nothing uncommitted."""
        self._change(self._holders - {holder})

    def _change(self, holders: set[str]) -> None:
        was_held, self._holders = bool(self._holders), holders
        if bool(holders) == was_held:
            return
        if holders:
            self._clear.clear()
        else:
            self._clear.set()
        for observer in self._observers:
            observer(bool(holders))

    async def routine_turn(self) -> None:
        """Before the routine lane starts new work: wait while an alarm is in hand (bounded)."""
        if self._clear.is_set():
            return
        await wait_at_most(self._max_hold_s, self._clear.wait())


class LaneTurns:
    """What an ingest lane tells the right of way, and when; this one: nothing (a hub with one lane)."""

    async def before_batch(self) -> None:
        """Before a batch of the lane's messages goes to the database."""

    async def took(self) -> None:
        """The lane took messages from the broker it has not committed yet."""

    def settled(self) -> None:
        """The lane committed everything it took."""


class AlarmTurns(LaneTurns):
    """The alarm lane: holding alarms raises the right of way, committing them all lowers it."""

    def __init__(self, right_of_way: AlarmRightOfWay) -> None:
        self._right_of_way = right_of_way

    async def took(self) -> None:
        self._right_of_way.alarm_taken()

    def settled(self) -> None:
        self._right_of_way.alarms_done()


class RoutineTurns(LaneTurns):
    """The routine lane: it starts no new batch or slice while an alarm is in hand (bounded)."""

    def __init__(self, right_of_way: AlarmRightOfWay) -> None:
        self._right_of_way = right_of_way

    async def before_batch(self) -> None:
        await self._right_of_way.routine_turn()

    async def took(self) -> None:
        await self._right_of_way.routine_turn()
