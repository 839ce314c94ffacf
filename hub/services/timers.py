"""The timer loop the leader runs: fire due escalation, re-dispatch and arrival timers."""

from __future__ import annotations

import asyncio

from hub.services.lifecycle import LifecycleService
from hub.services.polling import every
from hub.services.ports import Lease, LeaseLost


async def run_timers(
    lifecycle: LifecycleService,
    instance: str,
    lease: Lease,
    interval_s: float = 0.25,
    due_now: asyncio.Event | None = None,
) -> None:
    """Until the lease is lost (LeaseLost ends the leader's term). `due_now` is set by this instance's
    ingest when it opens an incident, whose automatic dispatch is a timer due at once: the officer is
    offered it then, not at the next round."""
    await every(
        interval_s,
        lambda: lifecycle.fire_due_timers(instance, lease),
        "firing timers failed; will retry",
        stop_on=(LeaseLost,),
        pause_after_failure_s=1.0,
        wake=due_now,
    )
