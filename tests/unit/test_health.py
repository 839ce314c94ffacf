"""The health monitor: each dependency up, down or starting since when, frames on every change (none
for "found up at start"), a grace against flapping, a bounded start that is no outage, readiness held
by the alarm path, and waiters woken at a return."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from structlog.testing import capture_logs

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
        "dependencies": [{"name": "database", "state": "up", "up": True, "since": T0.isoformat()}],
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
        {
            "type": "health",
            "ok": False,
            "dependencies": [{"name": "database", "state": "down", "up": False, "since": down_at}],
        }
    ]
    assert monitor.state("database").error == "ConnectionRefusedError"

    clock.advance(30)
    check.error = None
    await monitor.check_once("database")
    back_at = (T0 + timedelta(seconds=41)).isoformat()
    assert frames[-1] == {
        "type": "health",
        "ok": True,
        "dependencies": [{"name": "database", "state": "up", "up": True, "since": back_at}],
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


class FakeProcess:
    """The routine process as its watch sees it: whether it ticks, and whether the first one is still
    coming up (SupervisedProcess.up and .starting)."""

    def __init__(self) -> None:
        self.up = False
        self.starting = True

    def watch(self, start_s: float = 15.0) -> Watch:
        check = FlagCheck("routine_process", lambda: self.up, lambda: self.starting)
        return Watch(check, every_s=0.25, every_down_s=0.25, start_s=start_s)


def entry(frame: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [d for d in frame["dependencies"] if d["name"] == name]
    return dict(found)


async def test_a_process_coming_up_with_the_hub_is_starting_then_up_never_down_nor_logged_as_a_warning(
    clock: FakeClock, frames: list[Any]
) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, Watch(FakeCheck("database")), process.watch())
    with capture_logs() as logs:
        await monitor.check_once("database")
        for _ in range(28):  # 7 s of checks, a quarter second apart
            await monitor.check_once("routine_process")
            assert monitor.state("routine_process").status == "starting"
            assert monitor.not_up() == ["routine_process"] and not monitor.ok  # not ready meanwhile
            clock.advance(0.25)
        process.up, process.starting = True, False
        await monitor.check_once("routine_process")

    assert all(log["log_level"] != "warning" for log in logs), logs
    up_at = (T0 + timedelta(seconds=7)).isoformat()
    assert [(f["ok"], entry(f, "routine_process")) for f in frames] == [
        (True, {"name": "routine_process", "state": "starting", "up": None, "since": T0.isoformat()}),
        (True, {"name": "routine_process", "state": "up", "up": True, "since": up_at}),
    ]
    assert monitor.ok


async def test_a_process_not_up_within_its_start_time_is_down_since_the_start_with_a_warning(
    clock: FakeClock, frames: list[Any]
) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, process.watch(start_s=15.0))
    await monitor.check_once("routine_process")
    clock.advance(14.9)
    await monitor.check_once("routine_process")
    assert monitor.state("routine_process").status == "starting" and frames[-1]["ok"] is True

    clock.advance(0.1)
    with capture_logs() as logs:
        state = await monitor.check_once("routine_process")

    assert state.status == "down" and state.up is False
    assert state.since == T0 and state.error == "not up within 15 s of its start"
    assert monitor.not_up() == ["routine_process"]
    assert [log["event"] for log in logs if log["log_level"] == "warning"] == ["dependency down"]
    assert frames[-1]["ok"] is False
    assert entry(frames[-1], "routine_process") == {
        "name": "routine_process",
        "state": "down",
        "up": False,
        "since": T0.isoformat(),
    }


async def test_a_process_that_dies_while_starting_is_down_at_once(clock: FakeClock, frames: list[Any]) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, process.watch())
    await monitor.check_once("routine_process")
    clock.advance(2)
    process.starting = False  # the first child exited before its first tick: the next one is a restart

    state = await monitor.check_once("routine_process")

    assert state.status == "down" and state.since == T0 and not monitor.ok


async def test_once_up_a_process_not_ticking_is_down_whatever_its_check_says(
    clock: FakeClock, frames: list[Any]
) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, process.watch())
    process.up = True
    await monitor.check_once("routine_process")
    clock.advance(60)
    process.up = False  # killed by the watchdog, restarting; even a check that says "starting"
    with capture_logs() as logs:
        state = await monitor.check_once("routine_process")

    assert state.status == "down" and state.since == T0 + timedelta(seconds=60)
    assert [log["event"] for log in logs if log["log_level"] == "warning"] == ["dependency down"]
    assert [entry(f, "routine_process")["state"] for f in frames] == ["down"]


async def test_a_check_that_says_starting_without_a_start_time_is_down_at_once(
    clock: FakeClock, frames: list[Any]
) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, process.watch(start_s=0.0))

    state = await monitor.check_once("routine_process")

    assert state.status == "down"


async def test_readiness_waits_for_every_dependency_to_be_checked_and_up(clock: FakeClock, frames: list[Any]) -> None:
    process = FakeProcess()
    monitor = monitor_of(clock, frames, Watch(FakeCheck("database")), process.watch())
    await monitor.check_once("routine_process")
    assert monitor.not_up() == ["database", "routine_process"]  # not checked yet; starting

    await monitor.check_once("database")
    process.up, process.starting = True, False
    await monitor.check_once("routine_process")

    assert monitor.ok and monitor.not_up() == []
