"""In-memory timers, outbox, announcements, audit log and lease (hub.services.ports.effects)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import count

from hub.domain.escalation import Timer, TimerKind
from hub.services.messages import OutboundMessage
from hub.services.ports import JsonObject, Lease, LeaseLost
from tests.unit.fakes.incidents import FakeIncidents


class FakeTimers:
    def __init__(self, incidents: FakeIncidents) -> None:
        self._incidents = incidents  # a timer's site is its incident's
        self.pending: dict[int, Timer] = {}  # neither fired nor cancelled
        self.fired: list[Timer] = []
        self._ids = count(1)

    async def schedule_timers(self, timers: Sequence[Timer]) -> None:
        for t in timers:
            timer_id = next(self._ids)
            self.pending[timer_id] = replace(t, id=timer_id)

    async def cancel_timers(self, incident_id: int, kinds: Sequence[TimerKind]) -> None:
        for timer_id, t in list(self.pending.items()):
            if t.incident_id == incident_id and t.kind in kinds:
                del self.pending[timer_id]

    async def next_due_timer(self, now: datetime) -> tuple[int, str] | None:
        due = sorted((t.due_at, i) for i, t in self.pending.items() if t.due_at <= now)
        if not due:
            return None
        timer_id = due[0][1]
        return timer_id, self._incidents.rows[self.pending[timer_id].incident_id].site_id

    async def claim_timer(self, timer_id: int, now: datetime, fired_by: str) -> Timer | None:
        timer = self.pending.pop(timer_id, None)
        if timer is not None:
            self.fired.append(timer)
        return timer

    async def pending_timer(self, incident_id: int, kind: TimerKind) -> datetime | None:
        due = [t.due_at for t in self.pending.values() if t.incident_id == incident_id and t.kind is kind]
        return min(due, default=None)

    def kinds_of(self, incident_id: int) -> set[TimerKind]:
        """The kinds of the incident's pending timers (for tests)."""
        return {t.kind for t in self.pending.values() if t.incident_id == incident_id}


class FakeOutbox:
    def __init__(self, changes: FakeChanges) -> None:
        self._changes = changes  # what enqueue_claimed announces with the rows
        self.messages: list[OutboundMessage] = []
        self.claimed: list[tuple[uuid.UUID, OutboundMessage]] = []
        self._ids = count(1)

    async def enqueue(self, messages: Sequence[OutboundMessage]) -> None:
        self.messages.extend(messages)

    async def enqueue_claimed(
        self, messages: Sequence[OutboundMessage], token: uuid.UUID, lease_s: float, announce: Sequence[int] = ()
    ) -> list[tuple[int, OutboundMessage]]:
        await self._changes.announce(announce)
        self.messages.extend(messages)
        self.claimed.extend((token, m) for m in messages)
        return [(next(self._ids), m) for m in messages]

    def topics(self) -> list[str]:
        return [m.topic for m in self.messages]


class FakeChanges:
    def __init__(self) -> None:
        self.incidents: list[int] = []
        self.dispatches: list[int] = []
        self.warnings: list[int] = []

    async def announce(self, incident_ids: Sequence[int], dispatch_ids: Sequence[int] = ()) -> None:
        self.incidents.extend(incident_ids)
        self.dispatches.extend(dispatch_ids)

    async def announce_warnings(self, warning_ids: Sequence[int]) -> None:
        self.warnings.extend(warning_ids)


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, str, JsonObject]] = []

    async def audit(self, actor: str, action: str, target: str, detail: JsonObject) -> None:
        self.entries.append((actor, action, target, detail))

    def actions(self) -> list[str]:
        return [a for _, a, _, _ in self.entries]


class FakeLeaseCheck:
    """`current`: the lease the database holds now (None: nobody's)."""

    def __init__(self) -> None:
        self.current: Lease | None = None

    async def hold_lease(self, lease: Lease) -> None:
        if lease != self.current:
            raise LeaseLost(f"lease {lease.name} epoch {lease.epoch} is no longer held by {lease.holder}")
