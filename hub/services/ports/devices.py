"""Ports of what devices send: their events (with dead letters and status reports), their supervision
(device health) and the media their events carry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from hub.domain.events import DeviceEvent, EventIdentity
from hub.domain.supervision import Heard
from hub.domain.talkdown import ZoneReport
from hub.services.messages import Rejection
from hub.services.ports import JsonObject


@dataclass(frozen=True, slots=True)
class MediaItem:
    """Media of one event, before it has an event row to hang on."""

    device_id: str
    event_id: str
    kind: str  # snapshot or clip
    state: str  # stored, pending (to fetch) or failed
    source_url: str | None = None
    path: str | None = None
    content_type: str | None = None
    size: int | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class PendingMedia:
    id: int
    device_id: str
    event_id: str
    kind: str
    url: str
    attempts: int  # including this one
    occurred_at: datetime


class Events(Protocol):
    async def add_events(self, events: Sequence[tuple[DeviceEvent, JsonObject]]) -> dict[tuple[str, str], int]:
        """Insert events, ignoring ones already stored; return {(device_id, event_id): pk} of new ones."""
        ...

    async def add_events_of_free_sites(
        self, site_ids: Sequence[str], events: Sequence[tuple[DeviceEvent, JsonObject]]
    ) -> tuple[set[str], dict[tuple[str, str], int]]:
        """The incidents port's `lock_sites(site_ids, wait=False)` and `add_events` of the events of the
        sites locked, in one round trip: (the sites locked, {(device_id, event_id): pk} of the new events)."""
        ...

    async def stored_events(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], EventIdentity]:
        """The identity (type, occurred_at, fingerprint) of events already stored, by (device_id, event_id)."""
        ...

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None:
        """(incident id, event row) pairs."""
        ...

    async def button_events_of(self, incident_id: int) -> list[tuple[str, str, str]]:
        """(site, device, event id) of the latest panic or duress event of each button of the incident."""
        ...

    async def zone_reports(self, site_id: str, since: datetime) -> list[ZoneReport]:
        """What the site's cameras said about their zones since `since`, oldest first."""
        ...

    async def add_dead_letters(self, rejections: Sequence[Rejection]) -> None: ...

    async def record_device_status(self, reports: Sequence[JsonObject]) -> None:
        """Keep the newest report per device (an `offline` always applies)."""
        ...


class DeviceHealth(Protocol):
    async def record_heard(self, rows: Sequence[tuple[Heard, datetime, bool]]) -> list[tuple[str, str]]:
        """Upsert (heard, deadline, low battery); return (site, device) of those that were offline."""
        ...

    async def overdue_devices(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(device, site) of online devices past their deadline, earliest first, unlocked: the caller
        takes their sites' locks before `mark_overdue`, the order every writer of a site keeps."""
        ...

    async def mark_overdue(
        self, device_ids: Sequence[str], now: datetime
    ) -> list[tuple[str, str, str, datetime, datetime]]:
        """Mark these devices offline if they are still past their deadline and no other transaction
        is recording them heard: (device, site, kind, deadline, last seen)."""
        ...

    async def seed_health(self, rows: Sequence[tuple[Heard, datetime]]) -> None:
        """(heard, deadline) of devices the hub starts supervising; those already known are left alone."""
        ...

    async def restorable_sites(self, site_ids: Sequence[str] | None) -> list[str]:
        """Of these sites (None: all), those with an open device-offline or tamper incident and no
        device offline or faulty: their incident may close."""
        ...

    async def faulty_devices(self, site_id: str) -> list[str]:
        """Devices of the site that are offline or report a fault."""
        ...


class Media(Protocol):
    async def add_media(self, items: Sequence[tuple[int, MediaItem]]) -> None:
        """Media rows for new events: (event row, media)."""
        ...

    async def claim_due_media(self, now: datetime, lease: timedelta, limit: int) -> list[PendingMedia]:
        """Media due to be fetched, each claimed for `lease` (another fetcher skips it meanwhile)."""
        ...

    async def media_stored(self, media_id: int, path: str, content_type: str, size: int) -> None:
        """Fetched: announces the change of the incidents the media belongs to."""
        ...

    async def media_retry(self, media_id: int, at: datetime, error: str) -> None: ...

    async def media_failed(self, media_id: int, error: str) -> None: ...

    async def latest_snapshot(self, incident_id: int) -> int | None:
        """The newest stored camera snapshot of the incident (its media id)."""
        ...
