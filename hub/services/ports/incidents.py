"""Ports of incidents and what hangs on them: the incident rows with their site lock and timeline, the
dispatches, the officers' presence and the guided-response steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from hub.domain.dispatch import Dispatch
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.routing import OfficerPresence
from hub.services.ports import JsonObject


class Incidents(Protocol):
    """Every writer of a site's incidents takes the site's lock before it reads the incident (`lock_sites`,
    or `incident(lock=True)`, which takes it first), so none can undo another's change."""

    async def lock_sites(self, site_ids: Sequence[str], wait: bool = True) -> set[str]:
        """Serialise with every other writer of these sites' incidents until the transaction ends;
        without `wait`, lock only those free now. Returns the sites locked."""
        ...

    async def open_incidents(self, site_ids: Sequence[str], may_open: Sequence[str] = ()) -> dict[str, Incident]:
        """Each (locked) site's open incident, row-locked. `may_open`: sites whose events open an incident
        where none is open; the store may set an id aside for each of them that has none, and then write
        the incident `save_incidents` opens there without waiting for its id."""
        ...

    async def lock_open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        """`lock_sites`, then `open_incidents`."""
        ...

    async def open_incident_of_site(self, site_id: str) -> Incident | None: ...

    async def incident(self, incident_id: int, lock: bool = True) -> Incident | None:
        """With `lock`: the incident's site lock, then its row lock."""
        ...

    async def save_incident(self, incident: Incident) -> Incident:
        """Insert (no id) or update; returns it as stored (with its id)."""
        ...

    async def save_incidents(self, incidents: Sequence[Incident]) -> list[Incident]:
        """Insert the new and update the others, set-based; returned saved, in the order given (at most
        one per site)."""
        ...

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None: ...

    async def append_timelines(self, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
        """(incident id, entry) pairs, in one statement."""
        ...


class Dispatches(Protocol):
    async def dispatch(self, dispatch_id: int) -> Dispatch | None: ...

    async def dispatches_of(self, incident_id: int) -> list[Dispatch]:
        """The incident's dispatches, oldest first."""
        ...

    async def save_dispatch(self, dispatch: Dispatch) -> Dispatch:
        """Insert (no id) or update; returns it as stored (with its id)."""
        ...


class Officers(Protocol):
    async def officer_presence(self) -> dict[str, OfficerPresence]:
        """Every officer the hub has heard of, by id: signed on, busy (an active dispatch), last location."""
        ...

    async def set_signed_on(self, officer_id: str, signed_on: bool, at: datetime) -> None:
        """A change is logged in the duty log; a repeat of the current state changes nothing."""
        ...

    async def record_location(self, officer_id: str, lat: float, lon: float, at: datetime) -> None: ...


class Steps(Protocol):
    async def steps_done(self, incident_id: int) -> dict[str, JsonObject]:
        """The incident's steps marked done: step id → {step_id, done_at, actor, note, automatic, actor_name}."""
        ...

    async def mark_steps(
        self, incident_id: int, step_ids: Sequence[str], at: datetime, actor: str, note: str, automatic: bool
    ) -> list[str]:
        """Mark steps done (a step already marked keeps its first mark); return those newly marked."""
        ...
