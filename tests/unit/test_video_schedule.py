"""Weekly arming schedules as a pure function of (schedule, local time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.weekly import parse_hhmm
from hub.video.analyzer import AnalyzerSettings, CameraAnalyzer
from hub.video.schedule import ALWAYS, ArmingWindow, WeeklySchedule
from hub.video.zones import Zone, ZoneKind

MONDAY = datetime(2026, 3, 2)  # a Monday
EVERY_DAY = frozenset(range(7))


def at(day_offset: int, hhmm: str) -> datetime:
    minutes = parse_hhmm(hhmm)
    return MONDAY + timedelta(days=day_offset, minutes=minutes)


def test_an_empty_schedule_is_always_armed() -> None:
    assert ALWAYS.is_armed(at(0, "03:00")) and ALWAYS.is_armed(at(5, "15:00"))


def test_a_daytime_window_arms_from_start_inclusive_to_end_exclusive() -> None:
    office = WeeklySchedule((ArmingWindow(EVERY_DAY, parse_hhmm("09:00"), parse_hhmm("17:00")),))
    assert not office.is_armed(at(0, "08:59"))
    assert office.is_armed(at(0, "09:00"))
    assert office.is_armed(at(0, "16:59"))
    assert not office.is_armed(at(0, "17:00"))


def test_an_overnight_window_runs_into_the_next_morning() -> None:
    yard = WeeklySchedule((ArmingWindow(EVERY_DAY, parse_hhmm("19:00"), parse_hhmm("07:00")),))
    assert yard.is_armed(at(0, "19:00")) and yard.is_armed(at(0, "23:59")) and yard.is_armed(at(1, "06:59"))
    assert not yard.is_armed(at(1, "07:00")) and not yard.is_armed(at(1, "12:00"))


def test_the_morning_after_belongs_to_the_evening_s_day() -> None:
    friday_night = WeeklySchedule((ArmingWindow(frozenset({4}), parse_hhmm("22:00"), parse_hhmm("06:00")),))
    assert friday_night.is_armed(at(4, "23:00"))  # Friday evening
    assert friday_night.is_armed(at(5, "05:00"))  # Saturday morning
    assert not friday_night.is_armed(at(4, "05:00"))  # Friday morning follows Thursday, not listed
    assert not friday_night.is_armed(at(0, "05:00"))  # Monday morning follows Sunday


def test_sunday_night_wraps_into_monday_morning() -> None:
    sunday_night = WeeklySchedule((ArmingWindow(frozenset({6}), parse_hhmm("20:00"), parse_hhmm("06:00")),))
    assert sunday_night.is_armed(at(7, "05:00"))


def test_equal_from_and_to_arms_the_whole_day() -> None:
    weekend = WeeklySchedule((ArmingWindow(frozenset({5, 6}), 0, 0),))
    assert weekend.is_armed(at(5, "00:00")) and weekend.is_armed(at(6, "23:59"))
    assert not weekend.is_armed(at(0, "12:00"))


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("07:30", 450), ("24:00", 1440)])
def test_clock_times_parse_to_minutes(text: str, minutes: int) -> None:
    assert parse_hhmm(text) == minutes


@given(start=st.integers(0, 1439), end=st.integers(0, 1439), minute_of_week=st.integers(0, 7 * 1440 - 1))
def test_an_overnight_window_equals_its_evening_and_morning_halves(start: int, end: int, minute_of_week: int) -> None:
    if start <= end:
        return
    local = MONDAY + timedelta(minutes=minute_of_week)
    overnight = WeeklySchedule((ArmingWindow(EVERY_DAY, start, end),))
    evening = ArmingWindow(EVERY_DAY, start, 1440)
    morning = (ArmingWindow(EVERY_DAY, 0, end),) if end > 0 else ()  # 00:00–00:00 would mean the whole day
    halves = WeeklySchedule((evening, *morning))
    assert overnight.is_armed(local) == halves.is_armed(local)


def test_the_analyzer_arms_a_zone_on_the_first_frame_of_its_window_between_frames_of_one_second() -> None:
    yard = WeeklySchedule((ArmingWindow(EVERY_DAY, parse_hhmm("19:00"), parse_hhmm("07:00")),))
    zone = Zone("yard", ZoneKind.INTRUSION, polygon=((0, 0), (1, 0), (1, 1)), schedule=yard)
    analyzer = CameraAnalyzer(AnalyzerSettings(zones=(zone,), timezone="Asia/Shanghai", tamper=None))
    seven = datetime(2026, 3, 2, 19, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    assert [bool(analyzer.armed_zones(seven + dt)) for dt in (-1.0, -0.4, -0.2, 0.0, 0.2, 0.8)] == [
        False, False, False, True, True, True,
    ]  # fmt: skip
