"""In-memory events, device health and media (hub.services.ports.devices)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import count

from hub.domain.events import DeviceEvent, EventIdentity
from hub.domain.supervision import Heard
from hub.domain.talkdown import ZoneReport
from hub.services.lifecycle import SELF_CLEARING_KINDS
from hub.services.messages import Rejection
from hub.services.ports import JsonObject
from hub.services.ports.devices import MediaItem, PendingMedia
from tests.unit.fakes.effects import FakeChanges
from tests.unit.fakes.incidents import FakeIncidents


class FakeEvents:
    def __init__(self, incidents: FakeIncidents) -> None:
        self._incidents = incidents  # whose site locks add_events_of_free_sites takes
        self.rows: dict[tuple[str, str], tuple[int, DeviceEvent, JsonObject]] = {}
        self.links: list[tuple[int, int]] = []  # (incident id, event row)
        self.dead_letters: list[Rejection] = []
        self.statuses: dict[str, JsonObject] = {}
        self._ids = count(1)

    async def add_events(self, events: Sequence[tuple[DeviceEvent, JsonObject]]) -> dict[tuple[str, str], int]:
        new: dict[tuple[str, str], int] = {}
        for event, payload in events:
            key = (event.device_id, event.event_id)
            if key not in self.rows:
                self.rows[key] = (next(self._ids), event, payload)
                new[key] = self.rows[key][0]
        return new

    async def add_events_of_free_sites(
        self, site_ids: Sequence[str], events: Sequence[tuple[DeviceEvent, JsonObject]]
    ) -> tuple[set[str], dict[tuple[str, str], int]]:
        locked = await self._incidents.lock_sites(site_ids, wait=False)
        return locked, await self.add_events([(e, p) for e, p in events if e.site_id in locked])

    async def stored_events(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], EventIdentity]:
        return {
            k: EventIdentity(e.type, e.occurred_at, e.fingerprint)
            for k in keys
            if k in self.rows
            for _, e, _ in [self.rows[k]]
        }

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None:
        self.links.extend(links)

    def events_of(self, incident_id: int) -> list[DeviceEvent]:
        pks = {pk for i, pk in self.links if i == incident_id}
        return [e for pk, e, _ in self.rows.values() if pk in pks]

    async def button_events_of(self, incident_id: int) -> list[tuple[str, str, str]]:
        latest: dict[str, DeviceEvent] = {}
        for e in self.events_of(incident_id):
            pressed = e.device_kind == "button" and e.type in ("panic", "duress")
            if pressed and (e.device_id not in latest or e.received_at >= latest[e.device_id].received_at):
                latest[e.device_id] = e
        return [(e.site_id, e.device_id, e.event_id) for _, e in sorted(latest.items())]

    async def zone_reports(self, site_id: str, since: datetime) -> list[ZoneReport]:
        seen = [
            (pk, e, p) for pk, e, p in self.rows.values()
            if e.site_id == site_id and e.device_kind == "camera" and e.received_at >= since
            and e.type in ("intrusion", "loitering", "line_crossing", "presence")
        ]  # fmt: skip
        return [
            ZoneReport(e.received_at, str(p.get("zone") or ""), e.type != "presence" or bool(p.get("present")), None)
            for _, e, p in sorted(seen, key=lambda r: (r[1].received_at, r[0]))
        ]

    async def add_dead_letters(self, rejections: Sequence[Rejection]) -> None:
        self.dead_letters.extend(rejections)

    async def record_device_status(self, reports: Sequence[JsonObject]) -> None:
        for r in reports:
            kept = self.statuses.get(r["device_id"])
            if kept is None or kept["reported_at"] <= r["reported_at"] or r["state"] == "offline":
                self.statuses[r["device_id"]] = dict(r)


@dataclass
class Health:
    site_id: str
    kind: str
    online: bool
    last_seen_at: datetime
    deadline_at: datetime
    battery: int | None = None
    low_battery: bool = False
    fault: str | None = None


class FakeDeviceHealth:
    def __init__(self, incidents: FakeIncidents) -> None:
        self.rows: dict[str, Health] = {}
        self._incidents = incidents

    async def record_heard(self, rows: Sequence[tuple[Heard, datetime, bool]]) -> list[tuple[str, str]]:
        back: list[tuple[str, str]] = []
        for heard, deadline, low in rows:
            was = self.rows.get(heard.device_id)
            online = not heard.reported_offline or (was is not None and was.online)
            if was is not None and not was.online and not heard.reported_offline:
                back.append((heard.site_id, heard.device_id))
            fault = heard.fault or (None if was is None or was.fault == heard.fault_cleared else was.fault)
            self.rows[heard.device_id] = Health(
                heard.site_id, heard.kind, online, max(heard.at, was.last_seen_at) if was else heard.at, deadline,
                heard.battery if heard.battery is not None else (was.battery if was else None),
                low if heard.battery is not None else (was.low_battery if was else False), fault,
            )  # fmt: skip
        return back

    async def overdue_devices(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted((h.deadline_at, d) for d, h in self.rows.items() if h.online and h.deadline_at <= now)[:limit]
        return [(d, self.rows[d].site_id) for _, d in due]

    async def mark_overdue(
        self, device_ids: Sequence[str], now: datetime
    ) -> list[tuple[str, str, str, datetime, datetime]]:
        due = [d for d in device_ids if self.rows[d].online and self.rows[d].deadline_at <= now]
        for device_id in due:
            self.rows[device_id].online = False
        return [
            (d, self.rows[d].site_id, self.rows[d].kind, self.rows[d].deadline_at, self.rows[d].last_seen_at)
            for d in due
        ]

    async def seed_health(self, rows: Sequence[tuple[Heard, datetime]]) -> None:
        for heard, deadline in rows:
            self.rows.setdefault(heard.device_id, Health(heard.site_id, heard.kind, True, heard.at, deadline))

    async def restorable_sites(self, site_ids: Sequence[str] | None) -> list[str]:
        faulty = {h.site_id for h in self.rows.values() if not h.online or h.fault is not None}
        return sorted({
            i.site_id for i in self._incidents.rows.values()
            if i.is_open and i.kind in SELF_CLEARING_KINDS and (site_ids is None or i.site_id in site_ids)
            and i.site_id not in faulty
        })  # fmt: skip

    async def faulty_devices(self, site_id: str) -> list[str]:
        return sorted(d for d, h in self.rows.items() if h.site_id == site_id and (not h.online or h.fault))


class FakeMedia:
    def __init__(self, events: FakeEvents, changes: FakeChanges) -> None:
        self.rows: dict[int, tuple[int, MediaItem]] = {}  # media id → (event row, media as it is now)
        self.attempts: dict[int, tuple[int, datetime]] = {}
        self._events = events
        self._changes = changes
        self._ids = count(1)

    async def add_media(self, items: Sequence[tuple[int, MediaItem]]) -> None:
        for pk, item in items:
            self.rows[next(self._ids)] = (pk, item)

    async def claim_due_media(self, now: datetime, lease: timedelta, limit: int) -> list[PendingMedia]:
        by_pk = {pk: e for pk, e, _ in self._events.rows.values()}
        claimed: list[PendingMedia] = []
        for media_id, (pk, item) in sorted(self.rows.items()):
            tries, due = self.attempts.get(media_id, (0, now))
            if item.state == "pending" and due <= now and len(claimed) < limit:
                self.attempts[media_id] = (tries + 1, now + lease)
                e = by_pk[pk]
                claimed.append(
                    PendingMedia(
                        media_id, e.device_id, e.event_id, item.kind, item.source_url or "", tries + 1, e.occurred_at
                    )
                )
        return claimed

    async def media_stored(self, media_id: int, path: str, content_type: str, size: int) -> None:
        pk, item = self.rows[media_id]
        self.rows[media_id] = (pk, replace(item, state="stored", path=path, content_type=content_type, size=size))
        incidents = [i for i, e in self._events.links if e == pk]
        if incidents:
            await self._changes.announce(incidents)

    async def media_retry(self, media_id: int, at: datetime, error: str) -> None:
        pk, item = self.rows[media_id]
        self.rows[media_id] = (pk, replace(item, error=error))
        self.attempts[media_id] = (self.attempts.get(media_id, (0, at))[0], at)

    async def media_failed(self, media_id: int, error: str) -> None:
        pk, item = self.rows[media_id]
        self.rows[media_id] = (pk, replace(item, state="failed", error=error))

    async def latest_snapshot(self, incident_id: int) -> int | None:
        pks = {e for i, e in self._events.links if i == incident_id}
        stored = [
            m for m, (pk, it) in self.rows.items() if pk in pks and it.kind == "snapshot" and it.state == "stored"
        ]
        return max(stored, default=None)
