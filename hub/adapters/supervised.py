"""A child process the hub keeps running: started, restarted when it dies, stopped with the hub.

The child's standard input is a pipe from the hub: its first line is what the child needs to start
(the hub's settings, so they never show in `ps` or need a file), and then it is the child's lifeline:
at end of file the hub is gone, even killed with -9, and the child stops (see `lifeline`). The hub
may write single bytes after the first line (`send`), which `lifeline` hands to the child as they come.
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

log = structlog.get_logger(__name__)

_STOP_TIMEOUT_S = 10.0  # a clean stop (SIGTERM) waits this long before SIGKILL
_STABLE_S = 30.0  # a child that ran this long starts its next restart from the shortest delay


class SupervisedProcess:
    def __init__(
        self, name: str, argv: Sequence[str], first_line: bytes, niceness: int = 0, output: TextIO | None = None
    ) -> None:
        """`output`: where the child's standard output and error go (default: this process's)."""
        self.name = name
        self._output = _descriptor(output)
        self._argv = list(argv)
        self._first_line = first_line.rstrip(b"\n") + b"\n"
        self._niceness = niceness
        self.pid: int | None = None
        self.starts = 0
        self._running = asyncio.Event()
        self._stdin: asyncio.StreamWriter | None = None

    def send(self, data: bytes) -> None:
        """Write to the running child's input at once (without waiting); nothing while none runs."""
        if self._stdin is not None and not self._stdin.is_closing():
            with contextlib.suppress(ConnectionError):
                self._stdin.write(data)

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
            process = await asyncio.create_subprocess_exec(
                *self._argv, stdin=asyncio.subprocess.PIPE, stdout=self._output, stderr=self._output
            )
            self.pid, self.starts = process.pid, self.starts + 1
            if self._niceness:
                # Lower priority than the hub's own process, so the alarm side wins the CPU.
                with contextlib.suppress(OSError):
                    os.setpriority(os.PRIO_PROCESS, process.pid, self._niceness)
            try:
                assert process.stdin is not None
                with contextlib.suppress(ConnectionError):  # it died at once: seen by wait() below
                    process.stdin.write(self._first_line)
                    await process.stdin.drain()
                self._running.set()
                self._stdin = process.stdin
                log.info("child process started", process=self.name, pid=process.pid, starts=self.starts)
                code = await process.wait()
            except BaseException:
                await _stop(process)
                raise
            finally:
                self._running.clear()
                self._stdin = None
            if time.monotonic() - started > _STABLE_S:
                backoff.reset()
            delay = backoff.next_delay()
            log.error("child process exited; restarting", process=self.name, code=code, restart_in_s=round(delay, 2))
            await asyncio.sleep(delay)


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
