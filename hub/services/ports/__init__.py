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
from hub.services.views.devices import DeviceStatus
from hub.services.views.dispatches import Dispatch, OfficerPresence
from hub.services.views.incidents import Incident, IncidentDetail
from hub.services.views.warnings import SpeakerWarning

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
    """The read side used by the console and REST API: the views of `hub.services.views`, as they are sent."""

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[Incident]: ...

    async def get_incident(self, incident_id: int) -> IncidentDetail | None:
        """The incident in detail, without its steps (the step service gives them)."""
        ...

    async def dispatches_by_id(self, dispatch_ids: Sequence[int]) -> list[Dispatch]: ...

    async def dispatches_for_officer(self, officer_id: str, active_only: bool = True) -> list[Dispatch]: ...

    async def officer_presence(self) -> list[OfficerPresence]: ...

    async def media_file(self, media_id: int) -> JsonObject | None: ...

    async def list_warnings(
        self, incident_id: int | None = None, state: str | None = None, limit: int = 200
    ) -> list[SpeakerWarning]: ...

    async def warnings_by_id(self, warning_ids: Sequence[int]) -> list[SpeakerWarning]: ...

    async def device_health(self) -> list[DeviceStatus]:
        """Every device the hub supervises or heard a status from."""
        ...

    async def search_incidents(
        self, search: IncidentSearch, limit: int = 50, offset: int = 0
    ) -> tuple[list[Incident], int]:
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
    """Committed changes, for live views. Each change is a JSON object with a `type`: a view's change
    (`hub.services.views.changes`, published as a Frame) or {"type": "resync"} (the feed lost changes: reload).
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
