"""The desk shift that holds a moment, and the one before it (hub.domain.shifts)."""

from __future__ import annotations

from datetime import datetime

from hub.domain.roster import Shift
from hub.domain.shifts import DeskShift, desk_shift
from hub.domain.weekly import EVERY_DAY

DAY_DESK = Shift("值班台一", True, EVERY_DAY, 8 * 60, 20 * 60, "Desk 1")
NIGHT_DESK = Shift("值班台二", True, EVERY_DAY, 20 * 60, 8 * 60, "Desk 2")
OFFICER = Shift("o1", False, EVERY_DAY, 0, 0)
ROSTER = (DAY_DESK, NIGHT_DESK, OFFICER)
MONDAY = datetime(2026, 10, 5)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(day=MONDAY.day + day, hour=hour, minute=minute)


def test_the_day_seat_holds_the_morning_and_the_night_seat_came_before_it() -> None:
    assert desk_shift(ROSTER, at(0, 10)) == DeskShift(at(0, 8), at(0, 20), "值班台一", "Desk 1")
    assert desk_shift(ROSTER, at(0, 10), previous=True) == DeskShift(at(-1, 20), at(0, 8), "值班台二", "Desk 2")


def test_a_night_shift_runs_past_midnight_and_hands_over_at_its_end() -> None:
    assert desk_shift(ROSTER, at(1, 3)) == DeskShift(at(0, 20), at(1, 8), "值班台二", "Desk 2")
    assert desk_shift(ROSTER, at(1, 3), previous=True) == DeskShift(at(0, 8), at(0, 20), "值班台一", "Desk 1")
    assert desk_shift(ROSTER, at(1, 8)).seat == "值班台一"  # the end belongs to the next shift


def test_without_desk_shifts_the_shifts_are_calendar_days() -> None:
    assert desk_shift((OFFICER,), at(0, 15)) == DeskShift(at(0, 0), at(1, 0), "", "")
    assert desk_shift((), at(0, 15), previous=True) == DeskShift(at(-1, 0), at(0, 0), "", "")


def test_a_stretch_with_no_desk_seat_is_a_shift_without_a_seat() -> None:
    weekdays = Shift("值班台一", True, frozenset(range(5)), 8 * 60, 20 * 60, "Desk 1")  # Monday to Friday, days
    assert desk_shift((weekdays,), at(0, 21)) == DeskShift(at(0, 20), at(1, 8), "", "")
    assert desk_shift((weekdays,), at(0, 21), previous=True) == DeskShift(at(0, 8), at(0, 20), "值班台一", "Desk 1")
    assert desk_shift((weekdays,), at(5, 12)) == DeskShift(at(4, 20), at(7, 8), "", "")  # the weekend
