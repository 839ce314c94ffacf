"""The small mechanisms with one home each: weekly windows (arming, tours, shifts), retry backoff, request
bodies as handlers read them, and what every operation of the OpenAPI document has in common."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.adapters.web.bodies import parse_json_body
from hub.adapters.web.models.base import NOT_BLANK_PATTERN
from hub.adapters.web.models.warnings import speakable_text
from hub.domain.roster import Shift
from hub.domain.warnings import speech_problem
from hub.domain.weekly import EVERY_DAY, WeeklyWindow, format_hhmm, parse_hhmm, weekday_numbers
from hub.services.backoff import Backoff
from hub.services.polling import every, wait_at_most
from hub.video.schedule import WeeklySchedule

MONDAY = datetime(2026, 10, 5)  # a Monday


@given(start=st.integers(0, 1439), end=st.integers(0, 1439), minute_of_week=st.integers(0, 7 * 1440 - 1))
def test_a_weekly_window_covers_exactly_its_minutes_of_the_week(start: int, end: int, minute_of_week: int) -> None:
    window = WeeklyWindow(frozenset({0, 2, 6}), start, end)
    local = MONDAY + timedelta(minutes=minute_of_week)
    in_intervals = any(a <= minute_of_week < b for a, b in window.intervals())
    assert window.covers(local) == in_intervals
    assert (window.occurrence(local) is not None) == in_intervals


def test_arming_schedules_tours_and_shifts_read_a_window_alike() -> None:
    night = WeeklyWindow(EVERY_DAY, parse_hhmm("19:00"), parse_hhmm("07:00"))
    shift = Shift("officer-1", False, EVERY_DAY, night.start, night.end)
    for minute in range(0, 7 * 1440, 13):
        local = MONDAY + timedelta(minutes=minute)
        assert WeeklySchedule((night,)).is_armed(local) == night.covers(local) == shift.covers(local)


def test_equal_start_and_end_make_24_hours_from_the_start() -> None:
    monday_from_ten = WeeklyWindow(frozenset({0}), 600, 600)
    assert monday_from_ten.covers(MONDAY + timedelta(hours=10))
    assert monday_from_ten.covers(MONDAY + timedelta(days=1, hours=9, minutes=59))
    assert not monday_from_ten.covers(MONDAY + timedelta(hours=9, minutes=59))
    assert not monday_from_ten.covers(MONDAY + timedelta(days=1, hours=10))


def test_clock_times_and_weekdays_convert_both_ways() -> None:
    assert [format_hhmm(parse_hhmm(t)) for t in ("00:00", "07:30", "23:59", "24:00")] == [
        "00:00",
        "07:30",
        "23:59",
        "24:00",
    ]
    assert weekday_numbers(["mon", "sun"]) == frozenset({0, 6})
    assert weekday_numbers("all") == EVERY_DAY
    with pytest.raises(ValueError):
        parse_hhmm("24:01")


def test_backoff_doubles_up_to_its_maximum_and_starts_again_after_a_success() -> None:
    backoff = Backoff(initial_s=0.5, maximum_s=3.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_backoff_jitter_spreads_each_delay_within_its_bounds() -> None:
    backoff = Backoff(initial_s=1.0, maximum_s=1.0, jitter=0.2)
    delays = [backoff.next_delay() for _ in range(200)]
    assert all(0.8 <= d <= 1.2 for d in delays)
    assert len(set(delays)) > 1


def test_request_bodies_read_null_as_absent_whole_numbers_as_integers_and_keep_text_storable() -> None:
    body = parse_json_body('{"note": null, "priority": 1.0, "lat": 30.5, "text": "a\\u0000b\\udb8a", "ids": [2.0]}')
    assert body == {"priority": 1, "lat": 30.5, "text": "a\ufffdb\ufffd", "ids": [2]}
    assert isinstance(body["priority"], int)
    with pytest.raises(ValueError):
        parse_json_body("{not json")


class _RoundsUntilStopped(Exception):
    pass


async def test_a_failed_round_is_retried_at_the_next_interval_and_a_stop_error_ends_the_loop() -> None:
    calls: list[int] = []

    async def run_round() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("the database is away")
        if len(calls) == 3:
            raise _RoundsUntilStopped

    with pytest.raises(_RoundsUntilStopped):
        await every(0.001, run_round, "test round failed; will retry", stop_on=(_RoundsUntilStopped,))
    assert calls == [0, 1, 2]


async def test_a_round_starts_when_woken_without_waiting_out_its_interval() -> None:
    wake, rounds = asyncio.Event(), 0

    async def run_round() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            raise _RoundsUntilStopped

    asyncio.get_running_loop().call_later(0.01, wake.set)
    asyncio.get_running_loop().call_later(0.05, wake.set)
    started = time.monotonic()
    with pytest.raises(_RoundsUntilStopped):
        await every(60.0, run_round, "test round failed; will retry", stop_on=(_RoundsUntilStopped,), wake=wake)
    assert time.monotonic() - started < 5.0


async def test_a_bounded_wait_ends_at_the_wake_up_or_quietly_at_its_limit_and_still_yields_to_cancellation() -> None:
    woken = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, woken.set)
    started = time.monotonic()
    await wait_at_most(5.0, woken.wait())
    assert time.monotonic() - started < 1.0

    await wait_at_most(0.01, asyncio.Event().wait())  # never set: returns at the limit, raises nothing

    waiting = asyncio.create_task(wait_at_most(5.0, asyncio.Event().wait()))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


def test_the_documented_not_blank_pattern_is_what_the_server_calls_blank() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert all(re.search(NOT_BLANK_PATTERN, space * 3) is None for space in spaces)
    assert all(re.search(NOT_BLANK_PATTERN, f" {c} ") for c in ("a", "中", "\ufeff", "\x00"))


@pytest.mark.parametrize(
    "text", ["请立即离开", "leave\tnow", "a\x00b", "x\u200by", "\u202eevil", "<b>x</b>", "a <!-- c", "a < b", "a<b"]
)
def test_the_documented_warning_text_is_what_the_speech_check_accepts(text: str) -> None:
    schema = speakable_text(500)
    documented = re.search(schema["pattern"], text) is not None and not re.search(schema["not"]["pattern"], text)
    assert documented == (speech_problem(text) is None)
