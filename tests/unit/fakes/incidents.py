"""In-memory incidents, dispatches, officers' presence and steps (hub.services.ports.incidents)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import count

from hub.domain.dispatch import Dispatch
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.routing import OfficerPresence
from hub.services.ports import JsonObject


class FakeIncidents:
    """`busy_sites`: sites another writer holds, which `lock_sites(wait=False)` does not get."""

    def __init__(self) -> None:
        self.rows: dict[int, Incident] = {}
        self.timeline: list[tuple[int, TimelineEntry]] = []
        self.locked: set[str] = set()  # site locks taken, in any transaction of this store
        self.busy_sites: set[str] = set()
        self._ids = count(1)

    async def lock_sites(self, site_ids: Sequence[str], wait: bool = True) -> set[str]:
        wanted = set(site_ids)
        if wait:
            assert not wanted & self.busy_sites, "a waiting lock on a busy site would block in this fake"
        got = wanted if wait else wanted - self.busy_sites
        self.locked |= got
        return got

    async def open_incidents(self, site_ids: Sequence[str], may_open: Sequence[str] = ()) -> dict[str, Incident]:
        return {i.site_id: i for i in self.rows.values() if i.site_id in site_ids and i.is_open}

    async def lock_open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        await self.lock_sites(site_ids)
        return await self.open_incidents(site_ids)

    async def open_incident_of_site(self, site_id: str) -> Incident | None:
        return (await self.lock_open_incidents([site_id])).get(site_id)

    async def incident(self, incident_id: int, lock: bool = True) -> Incident | None:
        found = self.rows.get(incident_id)
        if found is not None and lock:
            self.locked.add(found.site_id)
        return found

    async def save_incident(self, incident: Incident) -> Incident:
        saved = incident if incident.id is not None else replace(incident, id=next(self._ids))
        assert saved.id is not None
        if incident.id is not None:
            assert incident.id in self.rows, f"incident {incident.id} vanished"
        self.rows[saved.id] = saved
        return saved

    async def save_incidents(self, incidents: Sequence[Incident]) -> list[Incident]:
        return [await self.save_incident(i) for i in incidents]

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None:
        await self.append_timelines([(incident_id, e) for e in entries])

    async def append_timelines(self, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
        self.timeline.extend(entries)

    def actions_of(self, incident_id: int) -> list[str]:
        """The incident's timeline, as its actions in order (for tests)."""
        return [e.action for i, e in self.timeline if i == incident_id]


class FakeDispatches:
    def __init__(self) -> None:
        self.rows: dict[int, Dispatch] = {}
        self._ids = count(1)

    async def dispatch(self, dispatch_id: int) -> Dispatch | None:
        return self.rows.get(dispatch_id)

    async def dispatches_of(self, incident_id: int) -> list[Dispatch]:
        return [d for _, d in sorted(self.rows.items()) if d.incident_id == incident_id]

    async def save_dispatch(self, dispatch: Dispatch) -> Dispatch:
        saved = dispatch if dispatch.id is not None else replace(dispatch, id=next(self._ids))
        assert saved.id is not None
        self.rows[saved.id] = saved
        return saved


class FakeOfficers:
    """`busy` is derived from the dispatches, as the store derives it."""

    def __init__(self, dispatches: FakeDispatches) -> None:
        self.presence: dict[str, OfficerPresence] = {}
        self.duty_log: list[tuple[str, str, datetime]] = []
        self._dispatches = dispatches

    async def officer_presence(self) -> dict[str, OfficerPresence]:
        busy = {d.officer_id for d in self._dispatches.rows.values() if d.is_active}
        return {o: replace(p, busy=o in busy) for o, p in self.presence.items()}

    async def set_signed_on(self, officer_id: str, signed_on: bool, at: datetime) -> None:
        was = self.presence.get(officer_id)
        if was is not None and was.signed_on is signed_on:
            return
        self.presence[officer_id] = replace(was, signed_on=signed_on) if was else OfficerPresence(officer_id, signed_on)
        self.duty_log.append((officer_id, "sign_on" if signed_on else "sign_off", at))

    async def record_location(self, officer_id: str, lat: float, lon: float, at: datetime) -> None:
        was = self.presence.get(officer_id) or OfficerPresence(officer_id, False)
        self.presence[officer_id] = replace(was, lat=lat, lon=lon)


class FakeSteps:
    def __init__(self) -> None:
        self.done: dict[int, dict[str, JsonObject]] = {}

    async def steps_done(self, incident_id: int) -> dict[str, JsonObject]:
        return dict(self.done.get(incident_id, {}))

    async def mark_steps(
        self, incident_id: int, step_ids: Sequence[str], at: datetime, actor: str, note: str, automatic: bool
    ) -> list[str]:
        done = self.done.setdefault(incident_id, {})
        new = [s for s in dict.fromkeys(step_ids) if s not in done]
        for step_id in new:
            done[step_id] = {
                "step_id": step_id, "done_at": at, "actor": actor, "note": note, "automatic": automatic,
                "actor_name": None,
            }  # fmt: skip
        return new
