"""Ports: what services and entrypoints need from the outside world, as protocols.

Adapters implement them (PostgreSQL, MQTT, ...); tests may use real `Fake…` classes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from hub.domain.dispatch import Dispatch
from hub.domain.escalation import Timer, TimerKind
from hub.domain.events import DeviceEvent, EventIdentity
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.routing import OfficerPresence
from hub.domain.supervision import Heard
from hub.domain.talkdown import ZoneReport
from hub.services.media import MediaItem
from hub.services.messages import InboundMessage, OutboundMessage, Rejection

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Lease:
    """The leader's right to run the timers: `epoch` is the fencing token, checked by every
    transaction of the leader's work (`hold_lease`)."""

    name: str
    holder: str
    epoch: int


class LeaseLost(RuntimeError):
    """The leader's lease has passed to another instance: its work must stop, with no effect."""


class IncidentQueries(Protocol):
    """The read side used by the console and REST API. Shapes (all times RFC 3339 strings):

    incident: id, site_id, site_name, site_name_en, kind, priority (1-4), state, test,
      created_at, last_event_at, event_count, acknowledged_at, dispatched_at, accepted_at,
      en_route_at, on_scene_at, resolved_at, cancelled_at
    incident detail: incident + timeline [{at, actor, action, from_state, to_state, reason}],
      events [{device_id, event_id, type, occurred_at, received_at}], dispatches, warnings, media
    """

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[JsonObject]: ...

    async def get_incident(self, incident_id: int) -> JsonObject | None: ...

    async def dispatches_by_id(self, dispatch_ids: Sequence[int]) -> list[JsonObject]: ...

    async def dispatches_for_officer(self, officer_id: str, active_only: bool = True) -> list[JsonObject]: ...

    async def officer_presence(self) -> list[JsonObject]: ...

    async def media_file(self, media_id: int) -> JsonObject | None: ...

    async def list_warnings(
        self, incident_id: int | None = None, state: str | None = None, limit: int = 200
    ) -> list[JsonObject]: ...

    async def warnings_by_id(self, warning_ids: Sequence[int]) -> list[JsonObject]: ...

    async def device_health(self) -> list[JsonObject]:
        """Per device the hub supervises or heard a status from: device_id, site_id, online,
        last_seen_at, deadline_at, offline_since, battery, low_battery, status_state,
        status_reported_at, status_battery, rssi, firmware, heard (anything ever heard from it),
        open_faults [{type: tamper|offline, incident_id, since}]."""
        ...

    async def search_incidents(
        self,
        *,
        site_id: str | None = None,
        kind: str | None = None,
        state: str | None = None,
        disposition: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        escalated: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[JsonObject], int]:
        """(incidents newest first, total matching). `state`: a state, "open" or "closed";
        `created_to` exclusive; `escalated`: escalated or flagged late on scene."""
        ...


class ChangeSubscription(Protocol):
    def __aiter__(self) -> AsyncIterator[JsonObject]: ...
    async def get(self) -> JsonObject: ...
    def __enter__(self) -> ChangeSubscription: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def close(self) -> None: ...


class ChangeFeed(Protocol):
    """Committed changes, for live views. Each change is a JSON object with a `type`:
    {"type": "incident", "incident": {...}} or {"type": "resync"} (the feed lost changes: reload).
    A subscription is live from the moment `subscribe()` returns."""

    def subscribe(self) -> ChangeSubscription: ...


class HealthProbe(Protocol):
    """Readiness of one dependency, for /readyz."""

    name: str

    def is_ready(self) -> bool: ...


class DependencyCheck(Protocol):
    """One cheap check of a dependency the hub cannot work without (see services/health.py)."""

    @property
    def name(self) -> str: ...

    async def check(self) -> None:
        """Return when the dependency answers; raise when it does not."""
        ...


class MessageSource(Protocol):
    """Inbound messages with manual acknowledgement (the MQTT adapter)."""

    async def next_batch(self, max_messages: int) -> list[InboundMessage]: ...

    def acknowledge(self, messages: Sequence[InboundMessage]) -> None: ...


class Publisher(Protocol):
    """Publishes one message at QoS 1 and returns when the broker has confirmed it. With
    `not_after` (a time.monotonic() value), the message is handed to the broker only before it,
    else SendWindowClosed is raised."""

    async def publish(self, message: OutboundMessage, *, not_after: float | None = None) -> None: ...


class IngestTransaction(Protocol):
    """One database transaction of the ingest pipeline; everything commits or nothing does."""

    async def add_events(self, events: Sequence[tuple[DeviceEvent, JsonObject]]) -> dict[tuple[str, str], int]:
        """Insert events, ignoring ones already stored; return {(device_id, event_id): pk} of new ones."""
        ...

    async def stored_events(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], EventIdentity]:
        """The identity (type, occurred_at, fingerprint) of events already stored, by (device_id, event_id)."""
        ...

    async def lock_sites(self, site_ids: Sequence[str], wait: bool = True) -> set[str]:
        """Serialise with every other writer of these sites' incidents until the transaction ends;
        without `wait`, lock only those free now. Returns the sites locked."""
        ...

    async def add_events_of_free_sites(
        self, site_ids: Sequence[str], events: Sequence[tuple[DeviceEvent, JsonObject]]
    ) -> tuple[set[str], dict[tuple[str, str], int]]:
        """`lock_sites(site_ids, wait=False)` and `add_events` of the events of the sites locked, in one
        round trip: (the sites locked, {(device_id, event_id): pk} of the new events)."""
        ...

    async def open_incidents(self, site_ids: Sequence[str]) -> dict[str, Incident]:
        """Each (locked) site's open incident, row-locked."""
        ...

    async def save_incident(self, incident: Incident) -> Incident: ...

    async def save_incidents(self, incidents: Sequence[Incident]) -> list[Incident]:
        """Insert the new and update the others, set-based; returned saved, in the order given (at most
        one per site)."""
        ...

    async def link_events(self, links: Sequence[tuple[int, int]]) -> None: ...

    async def append_timeline(self, incident_id: int, entries: Sequence[TimelineEntry]) -> None: ...

    async def append_timelines(self, entries: Sequence[tuple[int, TimelineEntry]]) -> None:
        """(incident id, entry) pairs, in one statement."""
        ...

    async def add_dead_letters(self, rejections: Sequence[Rejection]) -> None: ...

    async def record_device_status(self, reports: Sequence[JsonObject]) -> None: ...

    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None: ...

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float, announce: Sequence[int] = ()
    ) -> list[tuple[int, OutboundMessage]]:
        """Outbox rows written already claimed under `token` for `lease_s`; each with its row id. With
        `announce`, also `announce(announce)`, in the same round trip."""
        ...

    async def schedule_timers(self, timers: Sequence[Timer]) -> None: ...

    async def add_media(self, items: Sequence[tuple[int, MediaItem]]) -> None:
        """Media rows for new events: (event row, media)."""
        ...

    async def announce(self, incident_ids: Sequence[int], dispatch_ids: Sequence[int] = ()) -> None: ...


class SupervisionTransaction(IngestTransaction, Protocol):
    async def record_heard(self, rows: Sequence[tuple[Heard, datetime, bool]]) -> list[tuple[str, str]]:
        """Upsert (heard, deadline, low battery); return (site, device) of those that were offline."""
        ...

    async def mark_overdue(self, now: datetime, limit: int) -> list[tuple[str, str, str, datetime, datetime]]:
        """Mark devices past their deadline offline: (device, site, kind, deadline, last seen)."""
        ...

    async def seed_health(self, rows: Sequence[tuple[Heard, datetime]]) -> None: ...

    async def restorable_sites(self, site_ids: Sequence[str] | None) -> list[str]:
        """Of these sites (None: all), those with an open device-offline or tamper incident and no
        device offline or faulty: their incident may close."""
        ...

    async def hold_lease(self, lease: Lease) -> None:
        """Raise LeaseLost unless `lease` is still the current, unexpired one; otherwise keep it
        (share-locked) until this transaction ends, so no takeover can overlap its effects."""
        ...


class IngestStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[SupervisionTransaction]: ...


class LifecycleTransaction(SupervisionTransaction, Protocol):
    async def incident(self, incident_id: int, lock: bool = True) -> Incident | None: ...

    async def dispatch(self, dispatch_id: int) -> Dispatch | None: ...

    async def dispatches_of(self, incident_id: int) -> list[Dispatch]: ...

    async def save_dispatch(self, dispatch: Dispatch) -> Dispatch: ...

    async def officer_presence(self) -> dict[str, OfficerPresence]: ...

    async def set_signed_on(self, officer_id: str, signed_on: bool, at: datetime) -> None: ...

    async def record_location(self, officer_id: str, lat: float, lon: float, at: datetime) -> None: ...

    async def cancel_timers(self, incident_id: int, kinds: Sequence[TimerKind]) -> None: ...

    async def claim_due_timer(self, now: datetime, fired_by: str) -> Timer | None: ...

    async def button_events_of(self, incident_id: int) -> list[tuple[str, str, str]]: ...

    async def audit(self, actor: str, action: str, target: str, detail: JsonObject) -> None: ...

    async def open_incident_of_site(self, site_id: str) -> Incident | None: ...

    async def zone_reports(self, site_id: str, since: datetime) -> list[ZoneReport]: ...

    async def latest_snapshot(self, incident_id: int) -> int | None:
        """The newest stored camera snapshot of the incident (its media id)."""
        ...

    async def faulty_devices(self, site_id: str) -> list[str]:
        """Devices of the site that are offline or report a fault."""
        ...

    async def steps_done(self, incident_id: int) -> dict[str, JsonObject]:
        """The incident's steps marked done: step id → {step_id, done_at, actor, note, automatic}."""
        ...

    async def mark_steps(
        self, incident_id: int, step_ids: Sequence[str], at: datetime, actor: str, note: str, automatic: bool
    ) -> list[str]:
        """Mark steps done (a step already marked keeps its first mark); return those newly marked."""
        ...


class LifecycleStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[LifecycleTransaction]: ...


class IngestObserver(Protocol):
    """What the ingest pipeline reports for metrics."""

    def batch_committed(self, size: int, seconds: float) -> None: ...

    def events_stored(self, device_kind: str, count: int) -> None: ...

    def duplicates(self, count: int) -> None: ...

    def deferred(self, count: int) -> None:
        """Events held back because their site was busy (they are retried)."""
        ...

    def rejected(self, reason: str) -> None: ...

    def incidents_opened(self, count: int) -> None: ...
