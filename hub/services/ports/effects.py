"""Ports of what a transaction leaves besides its rows: timers to fire, messages to publish, changes to
announce, the audit trail, and the leader's fencing check. Each takes effect only if the transaction commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from hub.domain.escalation import Timer, TimerKind
from hub.services.messages import OutboundMessage
from hub.services.ports import JsonObject, Lease


class Timers(Protocol):
    async def schedule_timers(self, timers: Sequence[Timer]) -> None: ...

    async def cancel_timers(self, incident_id: int, kinds: Sequence[TimerKind]) -> None:
        """Cancel the incident's unfired timers of these kinds."""
        ...

    async def next_due_timer(self, now: datetime) -> tuple[int, str] | None:
        """(timer id, site id) of the earliest due timer, unlocked: the caller takes the site's lock
        before `claim_timer`, the order every writer of a site keeps."""
        ...

    async def claim_timer(self, timer_id: int, now: datetime, fired_by: str) -> Timer | None:
        """The timer, marked fired, if it is still pending (it fires once, even with two instances
        looking); None if it was cancelled or fired meanwhile."""
        ...

    async def pending_timer(self, incident_id: int, kind: TimerKind) -> datetime | None:
        """When the incident's next unfired, uncancelled timer of `kind` is due (None: none is)."""
        ...


class Outbox(Protocol):
    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None: ...

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float, announce: Sequence[int] = ()
    ) -> list[tuple[int, OutboundMessage]]:
        """Outbox rows written already claimed under `token` for `lease_s`; each with its row id. With
        `announce`, also the Changes port's `announce(announce)`, in the same round trip."""
        ...


class Changes(Protocol):
    """Announced to every hub instance on commit, for live views; nothing that is rolled back."""

    async def announce(self, incident_ids: Sequence[int], dispatch_ids: Sequence[int] = ()) -> None: ...

    async def announce_warnings(self, warning_ids: Sequence[int]) -> None: ...


class AuditLog(Protocol):
    async def audit(self, actor: str, action: str, target: str, detail: JsonObject) -> None: ...


class LeaseCheck(Protocol):
    async def hold_lease(self, lease: Lease) -> None:
        """Raise LeaseLost unless `lease` is still the current, unexpired one; otherwise keep it
        (share-locked) until this transaction ends, so no takeover can overlap its effects."""
        ...
