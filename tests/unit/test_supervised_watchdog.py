"""SupervisedProcess's watchdog with real child processes: a child that stops ticking is killed (SIGKILL)
and restarted; one that keeps ticking is left alone; only the first child, until it ticks, is starting."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

from hub.adapters.supervised import TICKS_FD_ENV, SupervisedProcess
from hub.services.liveness import Liveness

# Ticks `n` times, 0.1 s apart, then stays alive and silent (as a frozen process would).
CHILD = f"""
import os, sys, time
sys.stdin.buffer.readline()
fd = int(os.environ["{TICKS_FD_ENV}"])
for _ in range(int(sys.argv[1])):
    os.write(fd, b"committed=1\\n")
    time.sleep(0.1)
time.sleep(60)
"""


def supervised(ticks: int) -> SupervisedProcess:
    return SupervisedProcess(
        "test-child",
        [sys.executable, "-c", CHILD, str(ticks)],
        lambda: b"{}",
        liveness=Liveness(stall_after_s=0.5, start_grace_s=5.0),
    )


async def test_a_child_that_stops_ticking_is_killed_after_stall_after_s_and_restarted() -> None:
    process = supervised(ticks=3)
    task = asyncio.create_task(process.run())
    try:
        first = await process.running()
        started = time.monotonic()
        while process.starts < 2:
            assert time.monotonic() - started < 10, "the silent child was never killed"
            await asyncio.sleep(0.05)
        assert process.stalls == 1 and process.restarts == 1
        assert process.pid != first
        # killed once silent for 0.5 s after its 3 ticks (0.3 s), give or take the watch's 0.25 s step
        assert time.monotonic() - started >= 0.6
        assert process.last_report == "committed=1"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert not process.up


async def test_a_child_that_keeps_ticking_is_up_and_left_alone() -> None:
    process = supervised(ticks=30)  # 3 s of ticks
    task = asyncio.create_task(process.run())
    try:
        await process.running()
        await asyncio.sleep(0.5)
        assert process.up
        await asyncio.sleep(1.5)
        assert process.up and process.stalls == 0 and process.starts == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_first_child_is_starting_until_it_ticks_and_a_restart_is_no_start() -> None:
    process = supervised(ticks=3)
    assert process.starting  # not even spawned yet
    task = asyncio.create_task(process.run())
    try:
        await process.running()
        started = time.monotonic()
        while not process.up:
            assert process.starting
            assert time.monotonic() - started < 10, "the child never ticked"
            await asyncio.sleep(0.01)
        assert not process.starting
        while process.starts < 2:  # killed silent, restarted: not ticking yet, and no start either
            assert time.monotonic() - started < 10, "the silent child was never killed"
            await asyncio.sleep(0.05)
        assert not process.starting
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_first_child_that_exits_before_its_first_tick_ends_the_start() -> None:
    process = SupervisedProcess("test-child", [sys.executable, "-c", "raise SystemExit(3)"], lambda: b"{}")
    task = asyncio.create_task(process.run())
    try:
        started = time.monotonic()
        while process.starting:
            assert time.monotonic() - started < 10, "the child's exit was not seen"
            await asyncio.sleep(0.02)
        assert not process.up and process.starts >= 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
