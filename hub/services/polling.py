"""The loop behind every periodic job (timers, supervision scans, warning resends, media fetches, pruning):
one round, then a pause, forever. A round that fails is logged and the next runs as usual: the work stays due
in the database, which may be away for a while. The errors in `stop_on` end the loop (LeaseLost: a leader's
term is over). And the bounded wait that the hub's wake-up loops pause with (`wait_at_most`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import structlog

log = structlog.get_logger(__name__)


async def every(
    interval_s: float,
    run_round: Callable[[], Awaitable[object]],
    failure: str,
    *,
    stop_on: tuple[type[Exception], ...] = (),
    pause_after_failure_s: float = 0.0,
    wake: asyncio.Event | None = None,
) -> NoReturn:
    """`failure` is the log event of a failed round, e.g. "supervision scan failed; will retry". With
    `wake`, a round also starts as soon as it is set, before the interval is over."""
    while True:
        if wake is not None:
            wake.clear()  # before the round: what is set during it calls for the next one
        try:
            await run_round()
        except stop_on:
            raise
        except Exception as exc:
            log.warning(failure, error=repr(exc))
            await asyncio.sleep(pause_after_failure_s)
        if wake is None:
            await asyncio.sleep(interval_s)
        else:
            await wait_at_most(interval_s, wake.wait())


async def wait_at_most(timeout_s: float, awaited: Awaitable[Any]) -> None:
    """Await `awaited` (a wake-up: an event, a nudge, a dependency's return) for at most `timeout_s`; running
    out of time is no error. Not asyncio.wait_for: in Python 3.11 a cancellation that meets the awaited thing's
    completion is swallowed, and the hub then never stops (measured: SIGTERM right after start, the relay
    looped on)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await awaited
