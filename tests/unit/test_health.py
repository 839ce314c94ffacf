"""The health monitor: each dependency up or down since when, frames on every change (none for
"found up at start"), a grace against flapping, and waiters woken at a return."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.services.health import FlagCheck, HealthMonitor, Watch, sleep_or_recovered

T0 = datetime(2026, 12, 3, 3, 12, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeCheck:
    """Answers, fails, or hangs, as the test says."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: Exception | None = None
        self.hang = False

    async def check(self) -> None:
        if self.hang:
            await asyncio.sleep(3600)
        if self.error is not None:
            raise self.error


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def frames() -> list[dict[str, Any]]:
    return []


def monitor_of(clock: FakeClock, frames: list[dict[str, Any]], *watches: Watch) -> HealthMonitor:
    return HealthMonitor(list(watches), frames.append, clock=clock)


async def test_found_up_at_start_is_no_news_but_the_frame_lists_it(clock: FakeClock, frames: list[Any]) -> None:
    monitor = monitor_of(clock, frames, Watch(FakeCheck("database")))
    assert monitor.frame() == {"type": "health", "ok": True, "dependencies": []}  # nothing checked yet
    assert not monitor.ok

    await monitor.check_once("database")

    assert frames == []
    assert monitor.ok
    assert monitor.frame() == {
        "type": "health",
        "ok": True,
        "dependencies": [{"name": "database", "up": True, "since": T0.isoformat()}],
    }


async def test_a_failure_is_down_at_once_since_the_first_failure_and_the_return_is_up_since_then(
    clock: FakeClock, frames: list[Any]
) -> None:
    check = FakeCheck("database")
    monitor = monitor_of(clock, frames, Watch(check))
    await monitor.check_once("database")

    clock.advance(10)
    check.error = ConnectionRefusedError()
    await monitor.check_once("database")
    clock.advance(1)
    await monitor.check_once("database")  # still down: no second frame

    down_at = (T0 + timedelta(seconds=10)).isoformat()
    assert frames == [
        {"type": "health", "ok": False, "dependencies": [{"name": "database", "up": False, "since": down_at}]}
    ]
    assert monitor.state("database").error == "ConnectionRefusedError"

    clock.advance(30)
    check.error = None
    await monitor.check_once("database")
    back_at = (T0 + timedelta(seconds=41)).isoformat()
    assert frames[-1] == {
        "type": "health",
        "ok": True,
        "dependencies": [{"name": "database", "up": True, "since": back_at}],
    }
    assert len(frames) == 2


async def test_a_failure_shorter_than_the_grace_is_not_shown(clock: FakeClock, frames: list[Any]) -> None:
    connected = [True]
    monitor = monitor_of(clock, frames, Watch(FlagCheck("broker", lambda: connected[0]), grace_s=2.0))

    async def check_after(seconds: float, up: bool) -> None:
        clock.advance(seconds)
        connected[0] = up
        await monitor.check_once("broker")

    await check_after(0, up=True)
    await check_after(5, up=False)
    await check_after(1.5, up=False)
    assert monitor.is_up("broker") and frames == []

    await check_after(0, up=True)  # reconnected within the grace
    await check_after(1, up=False)
    await check_after(2, up=False)

    assert not monitor.is_up("broker")
    assert monitor.state("broker").since == T0 + timedelta(seconds=7.5)  # the first failure of this run
    assert [f["ok"] for f in frames] == [False]


async def test_a_check_slower_than_its_timeout_is_a_failure(clock: FakeClock, frames: list[Any]) -> None:
    check = FakeCheck("database")
    check.hang = True
    monitor = monitor_of(clock, frames, Watch(check, timeout_s=0.05))

    state = await monitor.check_once("database")

    assert state.up is False and "no answer" in state.error


async def test_recovered_returns_at_the_next_return_not_while_up(clock: FakeClock, frames: list[Any]) -> None:
    check = FakeCheck("database")
    monitor = monitor_of(clock, frames, Watch(check))
    await monitor.check_once("database")

    waiter = asyncio.create_task(monitor.recovered("database"))
    await asyncio.sleep(0.01)
    assert not waiter.done()  # up now is no return

    check.error = OSError("gone")
    await monitor.check_once("database")
    await asyncio.sleep(0.01)
    assert not waiter.done()

    check.error = None
    await monitor.check_once("database")
    await asyncio.wait_for(waiter, 1)


async def test_a_backoff_ends_when_the_dependency_returns(clock: FakeClock, frames: list[Any]) -> None:
    check = FakeCheck("database")
    check.error = OSError("gone")
    monitor = monitor_of(clock, frames, Watch(check))
    await monitor.check_once("database")

    sleeper = asyncio.create_task(sleep_or_recovered(3600, lambda: monitor.recovered("database")))
    await asyncio.sleep(0.01)
    check.error = None
    await monitor.check_once("database")

    await asyncio.wait_for(sleeper, 1)


async def test_suspect_checks_at_once_instead_of_at_the_next_tick(clock: FakeClock, frames: list[Any]) -> None:
    check = FakeCheck("database")
    monitor = monitor_of(clock, frames, Watch(check, every_s=3600))
    runner = asyncio.create_task(monitor.run())
    try:
        for _ in range(100):
            if monitor.is_up("database"):
                break
            await asyncio.sleep(0.01)
        check.error = ConnectionResetError()
        monitor.suspect("database")
        for _ in range(100):
            if frames:
                break
            await asyncio.sleep(0.01)
        assert [f["ok"] for f in frames] == [False]
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
