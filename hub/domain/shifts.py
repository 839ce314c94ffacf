"""The duty desk's shifts as they happen: the occurrence of the roster's desk shifts that holds a moment, and the
one before it (the shift summary a desk hands over reads them).

Local wall times throughout (naive datetimes in the district's time zone, as hub.domain.weekly). A district whose
roster has no desk shift has calendar days for shifts; a stretch of the week with no desk seat rostered is a
shift of its own, with no seat, from the end of the last desk shift to the start of the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.roster import Shift
from hub.domain.weekly import EVERY_DAY

_WHOLE_DAY = Shift("", True, EVERY_DAY, 0, 0)


@dataclass(frozen=True, slots=True)
class DeskShift:
    start: datetime  # naive local wall time
    end: datetime
    seat: str  # the desk seat on shift ("" when none is rostered)
    seat_en: str


def _occurrences(desk: Iterable[Shift], around: datetime) -> list[DeskShift]:
    """Every occurrence opening from eight days before `around` to eight days after (a week's gap is found)."""
    return [
        DeskShift(opens, opens + shift.window.length, shift.who, shift.who_en or shift.who)
        for shift in desk
        for opens in shift.window.openings(around.date(), 8)
    ]


def _holding(desk: list[Shift], local: datetime) -> DeskShift:
    occurrences = _occurrences(desk, local)
    holding = [o for o in occurrences if o.start <= local < o.end]
    if holding:  # overlapping seats: the one that came on last
        return max(holding, key=lambda o: (o.start, o.seat))
    before = max((o.end for o in occurrences if o.end <= local), default=local - timedelta(days=1))
    after = min((o.start for o in occurrences if o.start > local), default=local + timedelta(days=1))
    return DeskShift(before, after, "", "")


def desk_shift(shifts: Iterable[Shift], local: datetime, previous: bool = False) -> DeskShift:
    """The desk shift that holds `local` (naive local wall time), or with `previous` the one before it."""
    desk = [s for s in shifts if s.desk] or [_WHOLE_DAY]
    current = _holding(desk, local)
    return _holding(desk, current.start - timedelta(seconds=1)) if previous else current
