"""The duty roster: weekly shifts of officers and of the station's duty desk, and the gaps in
24-hour coverage (a grid with no officer on shift, a desk left empty)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.domain.weekly import MINUTES_PER_DAY, MINUTES_PER_WEEK, WEEKDAYS, WeeklyWindow, format_hhmm


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

    @property
    def window(self) -> WeeklyWindow:
        return WeeklyWindow(self.days, self.start, self.end)

    def intervals(self) -> Iterable[tuple[int, int]]:
        """Minutes-of-week intervals [a, b) this shift covers (wrapping Sunday night into Monday)."""
        return self.window.intervals()

    def covers(self, local: datetime) -> bool:
        return self.window.covers(local)


@dataclass(frozen=True, slots=True)
class Gap:
    """An uncovered stretch of the week, for `who` (a grid id, or "desk")."""

    who: str
    start: int  # minute of the week
    end: int

    def describe(self) -> str:
        def at(minute: int) -> str:
            day, rest = divmod(minute % MINUTES_PER_WEEK, MINUTES_PER_DAY)
            return f"{WEEKDAYS[day]} {format_hhmm(rest)}"

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
