"""The watchdog's timing (hub/services/liveness.py): when a supervised child counts as up, and as frozen."""

from __future__ import annotations

import pytest

from hub.services.liveness import Liveness


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def liveness() -> tuple[Liveness, FakeClock]:
    clock = FakeClock()
    return Liveness(stall_after_s=5.0, start_grace_s=30.0, clock=clock), clock


def test_no_child_is_neither_up_nor_stalled() -> None:
    watch, clock = liveness()
    clock.now += 1000
    assert not watch.up and not watch.stalled() and watch.silent_s() is None


def test_a_child_just_started_is_not_up_but_gets_the_start_grace_for_its_first_tick() -> None:
    watch, clock = liveness()
    watch.started()
    clock.now += 29.0
    assert not watch.up and not watch.stalled()
    clock.now += 1.5
    assert watch.stalled()


def test_a_ticking_child_is_up_until_silent_for_stall_after_s_then_stalled() -> None:
    watch, clock = liveness()
    watch.started()
    clock.now += 2.0
    watch.ticked()
    for _ in range(20):  # ticks every half second: up throughout
        clock.now += 0.5
        watch.ticked()
        assert watch.up and not watch.stalled()
    clock.now += 5.0
    assert watch.up and not watch.stalled()
    clock.now += 0.1
    assert not watch.up and watch.stalled()
    assert watch.silent_s() == pytest.approx(5.1)


def test_a_restarted_child_starts_over_with_the_start_grace() -> None:
    watch, clock = liveness()
    watch.started()
    watch.ticked()
    clock.now += 6.0
    assert watch.stalled()
    watch.stopped()
    assert not watch.stalled() and not watch.up
    watch.ticked()  # a late tick of the old child changes nothing
    watch.started()
    clock.now += 10.0
    assert not watch.up and not watch.stalled()
