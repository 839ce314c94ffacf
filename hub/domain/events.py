"""Device events as the domain sees them, once decoded and checked at the boundary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    site_id: str
    device_id: str
    device_kind: str
    event_id: str
    type: str
    occurred_at: datetime  # the device's own clock
    received_at: datetime  # the hub's clock when the message arrived
    zone: str | None = None
    detail: str | None = None  # a camera's tamper kind, e.g. tamper_covered or tamper_covered_restored

    @property
    def is_restore(self) -> bool:
        """The end of a fault (a camera uncovered, its stream back): it closes, never opens."""
        return bool(self.detail) and self.detail.endswith("restored")  # type: ignore[union-attr]


def timestamp_problem(occurred_at: datetime, now: datetime, max_future: timedelta, max_age: timedelta) -> str | None:
    """A device clock far off is a sign of a replay or a broken device: refuse it with a reason."""
    if occurred_at > now + max_future:
        return "timestamp_in_future"
    if occurred_at < now - max_age:
        return "timestamp_too_old"
    return None
