"""A child process the hub keeps running: started, restarted when it dies, stopped with the hub.

The child's standard input is a pipe from the hub: its first line is what the child needs to start
(the hub's settings, so they never show in `ps` or need a file), and then it is the child's lifeline:
at end of file the hub is gone, even killed with -9, and the child stops (see `lifeline`). The hub
may write single bytes after the first line (`send`), which `lifeline` hands to the child as they come.

A second pipe runs the other way, for the watchdog: the child writes a short line to it every half
second from its event loop (`tick_forever`; the pipe's descriptor is in `TICKS_FD_ENV`). A child
silent for `stall_after_s` is frozen (SIGSTOP, a deadlock, a wedged loop): the hub logs it, kills it
with SIGKILL (SIGTERM would wait for the loop that is stuck) and restarts it as if it had died.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

import structlog

from hub.services.backoff import Backoff
from hub.services.liveness import Liveness

log = structlog.get_logger(__name__)

_STOP_TIMEOUT_S = 10.0  # a clean stop (SIGTERM) waits this long before SIGKILL
_STABLE_S = 30.0  # a child that ran this long starts its next restart from the shortest delay
TICKS_FD_ENV = "HUB_SUPERVISOR_TICKS_FD"  # in the child's environment: where to write its ticks
_TICK_EVERY_S = 0.5
# A tick line's longest: one write of at most PIPE_BUF (4,096 bytes on Linux) reaches the hub whole.
TICK_MAX_BYTES = 3500
_WATCH_EVERY_S = 0.25


class SupervisedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        first_line: Callable[[], bytes],
        niceness: int = 0,
        output: TextIO | None = None,
        liveness: Liveness | None = None,
        on_report: Callable[[int, str], None] | None = None,
        reports_started: Callable[[str], bool] = lambda _line: True,
    ) -> None:
        """`first_line`: made at each start; `output`: where the child's standard output and error go
        (default: this process's); `liveness`: the watchdog's timing (default: stalled after 5 s);
        `on_report`: given each tick line whole, with the count of starts of the child that sent it;
        `reports_started`: whether a tick line says the child has come up (default: any tick does)."""
        self.name = name
        self._output = _descriptor(output)
        self._argv = list(argv)
        self._first_line = first_line
        self._niceness = niceness
        self.liveness = liveness or Liveness()
        self.pid: int | None = None
        self.starts = 0
        self.stalls = 0  # children killed by the watchdog
        self.last_report = ""  # the child's last tick line (its first 200 characters), for the log
        self._on_report = on_report
        self._reports_started = reports_started
        self._first_start_over = False  # a child has said it came up, or one has exited
        self._running = asyncio.Event()
        self._stdin: asyncio.StreamWriter | None = None

    def send(self, data: bytes) -> None:
        """Write to the running child's input at once (without waiting); nothing while none runs."""
        if self._stdin is not None and not self._stdin.is_closing():
            with contextlib.suppress(ConnectionError):
                self._stdin.write(data)

    @property
    def up(self) -> bool:
        """A child runs and ticks."""
        return self.liveness.up

    @property
    def starting(self) -> bool:
        """The first child is still coming up: none has said so or exited yet (a restart after a crash
        or the watchdog's kill is an outage, not a start)."""
        return not self._first_start_over

    @property
    def restarts(self) -> int:
        return max(0, self.starts - 1)

    async def running(self) -> int:
        """The pid of the child once it is running."""
        await self._running.wait()
        assert self.pid is not None
        return self.pid

    async def run(self) -> None:
        """Start the child, restart it (with backoff) whenever it exits; on cancel, stop it."""
        backoff = Backoff(initial_s=0.2, maximum_s=10.0, jitter=0.2)
        while True:
            started = time.monotonic()
            ticks_in, ticks_out = os.pipe()
            try:
                process = await asyncio.create_subprocess_exec(
                    *self._argv,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=self._output,
                    stderr=self._output,
                    pass_fds=(ticks_out,),
                    env={**os.environ, TICKS_FD_ENV: str(ticks_out)},
                )
            except BaseException:
                os.close(ticks_in)
                raise
            finally:
                os.close(ticks_out)  # the child's end: ours closed, the pipe ends when the child does
            self.pid, self.starts = process.pid, self.starts + 1
            self.liveness.started()
            ticks: asyncio.ReadTransport | None = None
            if self._niceness:
                # Lower priority than the hub's own process, so the alarm side wins the CPU.
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, process.pid, self._niceness)
            try:
                ticks = await self._hear_ticks(ticks_in)
                assert process.stdin is not None
                with contextlib.suppress(ConnectionError):  # it died at once: seen by wait() below
                    process.stdin.write(self._first_line().rstrip(b"\n") + b"\n")
                    await process.stdin.drain()
                self._running.set()
                self._stdin = process.stdin
                log.info("child process started", process=self.name, pid=process.pid, starts=self.starts)
                code = await self._wait_or_kill_frozen(process)
            except BaseException:
                await _stop(process)
                raise
            finally:
                self._running.clear()
                self._stdin = None
                self._first_start_over = True
                self.liveness.stopped()
                if ticks is not None:
                    ticks.close()
                else:
                    with contextlib.suppress(OSError):
                        os.close(ticks_in)
            if time.monotonic() - started > _STABLE_S:
                backoff.reset()
            delay = backoff.next_delay()
            log.error("child process exited; restarting", process=self.name, code=code, restart_in_s=round(delay, 2))
            await asyncio.sleep(delay)

    async def _hear_ticks(self, fd: int) -> asyncio.ReadTransport:
        supervised = self

        class _Ticks(asyncio.Protocol):
            def data_received(self, data: bytes) -> None:
                supervised.liveness.ticked()
                lines = data.rstrip(b"\n").rsplit(b"\n", 1)
                line = lines[-1].decode(errors="replace")
                supervised.last_report = line[:200]
                if supervised._reports_started(line):
                    supervised._first_start_over = True
                if supervised._on_report is not None:
                    try:
                        supervised._on_report(supervised.starts, line)
                    except Exception:
                        log.exception("a child's tick line could not be read", process=supervised.name)

        transport, _ = await asyncio.get_running_loop().connect_read_pipe(_Ticks, os.fdopen(fd, "rb", buffering=0))
        return transport

    async def _wait_or_kill_frozen(self, process: asyncio.subprocess.Process) -> int:
        """The child's exit code; a child that stops ticking is killed first (SIGKILL)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(_WATCH_EVERY_S):
                    return await process.wait()
            if self.liveness.stalled():
                self.stalls += 1
                log.error(
                    "child process frozen (no tick); killing it",
                    process=self.name,
                    pid=process.pid,
                    silent_s=round(self.liveness.silent_s() or 0.0, 1),
                    last_report=self.last_report,
                    stalls=self.stalls,
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                return await process.wait()


def _descriptor(output: TextIO | None) -> int | None:
    """The file descriptor behind `output`; None (inherit ours) when it has none (a test's captured stream)."""
    try:
        return output.fileno() if output is not None else None
    except (AttributeError, OSError, ValueError):
        return None


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        async with asyncio.timeout(_STOP_TIMEOUT_S):
            await process.wait()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def read_first_line() -> bytes:
    """In the child: the line the hub wrote first (before the event loop starts)."""
    return sys.stdin.buffer.readline()


async def lifeline(on_data: Callable[[bytes], None] = lambda _data: None) -> None:
    """In the child: returns when the hub's end of the pipe closes (the hub stopped or died); what the
    hub sends meanwhile goes to `on_data`."""
    loop = asyncio.get_running_loop()
    closed = loop.create_future()

    class _Watch(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            on_data(data)

        def connection_lost(self, exc: Exception | None) -> None:
            if not closed.done():
                closed.set_result(None)

    transport, _ = await loop.connect_read_pipe(_Watch, sys.stdin.buffer)
    try:
        await closed
    finally:
        transport.close()


async def tick_forever(report: Callable[[], str], every_s: float = _TICK_EVERY_S) -> None:
    """In the child: tell the hub's watchdog every `every_s` that this event loop runs, with a short
    report (counters); never blocks (a full pipe skips a tick). Returns at once when not supervised."""
    fd_text = os.environ.get(TICKS_FD_ENV)
    if not fd_text:
        return
    fd = int(fd_text)
    os.set_blocking(fd, False)
    try:
        while True:
            with contextlib.suppress(BlockingIOError):
                os.write(fd, report().encode()[:TICK_MAX_BYTES] + b"\n")
            await asyncio.sleep(every_s)
    except BrokenPipeError:
        return  # the hub is gone; the lifeline stops us
    finally:
        os.close(fd)
