"""The loop behind every periodic job (timers, supervision scans, warning resends, media fetches, pruning):
one round, then a pause, forever. A round that fails is logged and the next runs as usual: the work stays due
in the database, which may be away for a while. The errors in `stop_on` end the loop (LeaseLost: a leader's
term is over)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn

import structlog

log = structlog.get_logger(__name__)


async def every(
    interval_s: float,
    run_round: Callable[[], Awaitable[object]],
    failure: str,
    *,
    stop_on: tuple[type[Exception], ...] = (),
    pause_after_failure_s: float = 0.0,
) -> NoReturn:
    """`failure` is the log event of a failed round, e.g. "supervision scan failed; will retry"."""
    while True:
        try:
            await run_round()
        except stop_on:
            raise
        except Exception as exc:
            log.warning(failure, error=repr(exc))
            await asyncio.sleep(pause_after_failure_s)
        await asyncio.sleep(interval_s)
