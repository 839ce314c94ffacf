"""The timer loop the leader runs: fire due escalation, re-dispatch and arrival timers."""

from __future__ import annotations

from hub.services.lifecycle import LifecycleService
from hub.services.polling import every
from hub.services.ports import Lease, LeaseLost


async def run_timers(lifecycle: LifecycleService, instance: str, lease: Lease, interval_s: float = 0.25) -> None:
    """Until the lease is lost (LeaseLost ends the leader's term)."""
    await every(
        interval_s,
        lambda: lifecycle.fire_due_timers(instance, lease),
        "firing timers failed; will retry",
        stop_on=(LeaseLost,),
        pause_after_failure_s=1.0,
    )
