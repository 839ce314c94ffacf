"""The timer loop the leader runs: fire due escalation, re-dispatch and arrival timers."""

from __future__ import annotations

import asyncio

import structlog

from hub.services.lifecycle import LifecycleService
from hub.services.ports import Lease, LeaseLost

log = structlog.get_logger(__name__)


async def run_timers(lifecycle: LifecycleService, instance: str, lease: Lease, interval_s: float = 0.25) -> None:
    """Until the lease is lost (LeaseLost ends the leader's term)."""
    while True:
        try:
            await lifecycle.fire_due_timers(instance, lease)
        except LeaseLost:
            raise
        except Exception as exc:  # the database may be away: timers stay due, retry
            log.warning("firing timers failed; will retry", error=repr(exc))
            await asyncio.sleep(1.0)
        await asyncio.sleep(interval_s)
