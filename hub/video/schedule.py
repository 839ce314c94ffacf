"""Weekly arming schedules: whether a zone is armed at a local date and time.

A window `from` < `to` arms those hours on each listed day; `from` > `to` runs overnight, from `from` on a listed
day to `to` the next morning (a school yard armed 19:00–07:00); `from` == `to` arms the whole listed day. An empty
schedule is always armed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class ArmingWindow:
    days: frozenset[int]  # 0 = Monday … 6 = Sunday, as datetime.weekday()
    start_minute: int  # minutes after midnight
    end_minute: int

    def covers(self, weekday: int, minute: int) -> bool:
        if self.start_minute == self.end_minute:
            return weekday in self.days
        if self.start_minute < self.end_minute:
            return weekday in self.days and self.start_minute <= minute < self.end_minute
        evening = weekday in self.days and minute >= self.start_minute
        morning_after = (weekday - 1) % 7 in self.days and minute < self.end_minute
        return evening or morning_after


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    windows: tuple[ArmingWindow, ...] = ()

    def is_armed(self, local: datetime) -> bool:
        if not self.windows:
            return True
        weekday, minute = local.weekday(), local.hour * 60 + local.minute
        return any(window.covers(weekday, minute) for window in self.windows)


ALWAYS = WeeklySchedule()


def parse_hhmm(text: str) -> int:
    """'07:30' → 450 minutes after midnight; '24:00' is allowed as the end of the day."""
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"time must be HH:MM, got {text!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 24 * 60:
        raise ValueError(f"time must be between 00:00 and 24:00, got {text!r}")
    return value
