"""Ports: what services and entrypoints need from the outside world, as protocols.

Adapters implement them (PostgreSQL, MQTT, ...); tests may use real `Fake…` classes. The write side's
ports, one per kind of data, are the submodules (incidents, devices, warnings, patrol, effects), composed
into one transaction in `hub.services.ports.transaction`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from hub.services.messages import InboundMessage, OutboundMessage

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class IncidentSearch:
    """A history search's filters; None matches everything. `state`: one state, "open" or "closed";
    `created_to` is exclusive; `escalated`: escalated to the supervisor or flagged late on scene (True),
    or neither (False)."""

    site_id: str | None = None
    kind: str | None = None
    state: str | None = None
    disposition: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    escalated: bool | None = None


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
        self, search: IncidentSearch, limit: int = 50, offset: int = 0
    ) -> tuple[list[JsonObject], int]:
        """(incidents matching every filter of `search`, newest first; how many match in all)."""
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

    async def publish_all(
        self, messages: Sequence[OutboundMessage], *, not_after: float | None = None, timeout_s: float
    ) -> list[BaseException | None]:
        """Publish several at once, as `publish` each; wait at most `timeout_s` for the broker to confirm
        them all. One result per message: None once confirmed, else why it was not."""
        ...


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
