"""Weekly time windows, the one shape behind zone arming schedules, patrol tour windows and roster shifts.

A window opens on each of its `days` (0 = Monday, as `datetime.weekday()`) at `start` and closes at `end`
(minutes after midnight, local wall time). An end before the start runs overnight into the next day (a
school yard armed 19:00–07:00); an end equal to the start makes the whole day; 24:00 is the end of the day.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def parse_hhmm(text: str) -> int:
    """'07:30' → 450 minutes after midnight; '24:00' is allowed as the end of the day."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"time must be HH:MM, got {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError(f"time must be between 00:00 and 24:00, got {text!r}")
    return value


def format_hhmm(minute: int) -> str:
    """450 → '07:30' (the inverse of parse_hhmm)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekday_numbers(days: Sequence[Weekday] | Literal["all"]) -> frozenset[int]:
    """`["mon", "fri"]` → {0, 4}; `"all"` → every day."""
    return EVERY_DAY if days == "all" else frozenset(WEEKDAYS.index(d) for d in days)


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    days: frozenset[int]  # 0 = Monday … 6 = Sunday
    start: int  # minutes after midnight
    end: int

    @property
    def minutes(self) -> int:
        """How long each occurrence lasts."""
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def covers(self, local: datetime) -> bool:
        """Whether the naive or aware local wall time `local` lies in an occurrence."""
        minute = local.hour * 60 + local.minute
        evening = local.weekday() in self.days and self.start <= minute < self.start + self.minutes
        overnight = self.start + self.minutes > MINUTES_PER_DAY
        morning_after = overnight and (local.weekday() - 1) % 7 in self.days and minute < self.end
        return evening or morning_after

    def intervals(self) -> Iterator[tuple[int, int]]:
        """Minutes-of-week intervals [a, b) the window covers (Sunday night wraps into Monday)."""
        for day in sorted(self.days):
            a = day * MINUTES_PER_DAY + self.start
            b = a + self.minutes
            if b <= MINUTES_PER_WEEK:
                yield a, b
            else:
                yield a, MINUTES_PER_WEEK
                yield 0, b - MINUTES_PER_WEEK

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, time(self.start // 60, self.start % 60))

    def openings(self, around: date, days: int) -> Iterator[datetime]:
        """Every opening (naive local wall time) from `days` days before `around` to `days` days after."""
        for offset in range(-days, days + 1):
            day = around + timedelta(days=offset)
            if day.weekday() in self.days:
                yield self._opening(day)

    def occurrence(self, local: datetime) -> tuple[datetime, datetime] | None:
        """The opening and closing (naive local wall times) of the occurrence that contains `local`, if any."""
        for back in (1, 0):
            day = local.date() - timedelta(days=back)
            if day.weekday() in self.days:
                opens = self._opening(day)
                if opens <= local < opens + self.length:
                    return opens, opens + self.length
        return None

    def next_opening(self, local: datetime) -> datetime | None:
        """The first opening strictly after `local` (naive local wall time)."""
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            if day.weekday() in self.days and self._opening(day) > local:
                return self._opening(day)
        return None
