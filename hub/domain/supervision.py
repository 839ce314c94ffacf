"""Device supervision: every device reports within its interval; silence past interval + grace, or
an `offline` status (a Last Will) not followed by `online` within the grace, makes it offline.

The hub keeps, per device, only a deadline; a periodic scan finds the overdue ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# An event from supervision itself, recorded like a device event of the device concerned.
OFFLINE = "offline"
ONLINE = "online"


@dataclass(frozen=True, slots=True)
class Heard:
    """The hub heard from a device: any event, or a status report."""

    device_id: str
    site_id: str
    kind: str
    at: datetime
    reported_offline: bool = False  # a status `offline` (clean shutdown or Last Will)
    battery: int | None = None
    fault: str | None = None  # a fault that starts now (e.g. tamper_covered)
    fault_cleared: str | None = None  # a fault that ends now


def fault_change(detail: str | None) -> tuple[str | None, str | None]:
    """(fault starting, fault ending) for a camera event's tamper detail: `tamper_covered` starts
    one, `tamper_covered_restored` ends it, `stream_restored` ends `stream_lost`."""
    if not detail:
        return None, None
    if detail == "stream_restored":
        return None, "stream_lost"
    if detail.endswith("_restored"):
        return None, detail.removesuffix("_restored")
    return detail, None


def deadline(heard: Heard, interval_s: int, grace_s: int) -> datetime:
    """When the device counts as offline if nothing more is heard. A device that said it goes
    offline gets only the grace: a clean restart inside it raises nothing."""
    if heard.reported_offline:
        return heard.at + timedelta(seconds=grace_s)
    return heard.at + timedelta(seconds=interval_s + grace_s)


def grace_for(interval_s: int) -> int:
    """Grace on top of the reporting interval: room for one lost heartbeat and network jitter."""
    return max(30, interval_s // 2)


LOW_BATTERY_PERCENT = 20
