"""Device events as the domain sees them, once decoded and checked at the boundary."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


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
    # What the event says, whatever its wire form (see `content_fingerprint`); None for events the hub
    # makes itself, whose ids are unique by construction.
    fingerprint: str | None = None

    @property
    def identity(self) -> EventIdentity:
        return EventIdentity(self.type, self.occurred_at, self.fingerprint)

    @property
    def is_restore(self) -> bool:
        """The end of a fault (a camera uncovered, its stream back): it closes, never opens."""
        return self.detail is not None and self.detail.endswith("restored")


@dataclass(frozen=True, slots=True)
class EventIdentity:
    """What decides, when a (device, event id) comes again, whether it is the same event (a resend: a
    duplicate, confirmed again) or another one under a reused id (a replay or a faulty device: refused)."""

    type: str
    occurred_at: datetime
    fingerprint: str | None

    def same_event(self, other: EventIdentity) -> bool:
        """The fingerprints decide when both sides have one; rows stored before fingerprints existed
        (and events without one) fall back to the type and the device's time."""
        if self.fingerprint is not None and other.fingerprint is not None:
            return self.fingerprint == other.fingerprint
        return (self.type, self.occurred_at) == (other.type, other.occurred_at)


def content_fingerprint(fields: Mapping[str, Any]) -> str:
    """A digest of an event's meaning: its decoded fields as canonical JSON (keys sorted, times as UTC
    instants, absent and null alike), so the same content in another key order, time zone or with
    unknown extra fields is the same event, and any other value of any field is not.

    Fingerprints are stored with events: changing this canonical form turns plain resends of events
    stored before the change into reused ids."""
    canonical = json.dumps(
        _without_nulls(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_instant
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(v) for v in value]
    return value


def _instant(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetimes have no instant")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def timestamp_problem(occurred_at: datetime, now: datetime, max_future: timedelta, max_age: timedelta) -> str | None:
    """A device clock far off is a sign of a replay or a broken device: refuse it with a reason."""
    if occurred_at > now + max_future:
        return "timestamp_in_future"
    if occurred_at < now - max_age:
        return "timestamp_too_old"
    return None
