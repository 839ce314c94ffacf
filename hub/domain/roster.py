"""The duty roster: weekly shifts of officers and of the station's duty desk, and the gaps in
24-hour coverage (a grid with no officer on shift, a desk left empty)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class Shift:
    """`who` is an officer id or a desk name; `start`/`end` are minutes after midnight; a shift
    whose end is not after its start runs overnight into the next day."""

    who: str
    desk: bool
    days: frozenset[int]  # 0 = Monday
    start: int
    end: int
    who_en: str = ""  # a desk seat's English name ("" for officers: their names are in the district)

    def intervals(self) -> Iterable[tuple[int, int]]:
        """Minutes-of-week intervals [a, b) this shift covers (wrapping Sunday night into Monday)."""
        length = (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY
        for day in self.days:
            a = day * MINUTES_PER_DAY + self.start
            b = a + length
            if b <= MINUTES_PER_WEEK:
                yield a, b
            else:
                yield a, MINUTES_PER_WEEK
                yield 0, b - MINUTES_PER_WEEK

    def covers(self, local: datetime) -> bool:
        minute = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
        return any(a <= minute < b for a, b in self.intervals())


@dataclass(frozen=True, slots=True)
class Gap:
    """An uncovered stretch of the week, for `who` (a grid id, or "desk")."""

    who: str
    start: int  # minute of the week
    end: int

    def describe(self) -> str:
        def at(minute: int) -> str:
            day, rest = divmod(minute % MINUTES_PER_WEEK, MINUTES_PER_DAY)
            return f"{DAYS[day]} {rest // 60:02d}:{rest % 60:02d}"

        end = "mon 24:00" if self.end == MINUTES_PER_WEEK else at(self.end)
        return f"{self.who}: nobody on shift {at(self.start)}–{end}"


def uncovered(shifts: Iterable[Shift], who: str) -> list[Gap]:
    intervals = sorted(i for s in shifts for i in s.intervals())
    gaps: list[Gap] = []
    cursor = 0
    for a, b in intervals:
        if a > cursor:
            gaps.append(Gap(who, cursor, a))
        cursor = max(cursor, b)
    if cursor < MINUTES_PER_WEEK:
        gaps.append(Gap(who, cursor, MINUTES_PER_WEEK))
    return gaps


def coverage_gaps(shifts: Iterable[Shift], grid_teams: dict[str, tuple[str, ...]]) -> list[Gap]:
    """Gaps of every grid (by its team's officer shifts) and of the duty desk."""
    shifts = list(shifts)
    gaps: list[Gap] = []
    for grid_id, team in sorted(grid_teams.items()):
        gaps.extend(uncovered([s for s in shifts if not s.desk and s.who in team], grid_id))
    gaps.extend(uncovered([s for s in shifts if s.desk], "desk"))
    return gaps


def on_shift(shifts: Iterable[Shift], who: str, local: datetime) -> bool:
    return any(s.who == who and s.covers(local) for s in shifts)
