"""The write side's unit of work: one transaction, its ports by kind of data (`tx.incidents`, `tx.events`,
...). Everything done through them commits together or not at all."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from hub.services.ports.devices import DeviceHealth, Events, Media
from hub.services.ports.effects import AuditLog, Changes, LeaseCheck, Outbox, Timers
from hub.services.ports.incidents import Dispatches, Incidents, Officers, Steps
from hub.services.ports.patrol import PatrolRuns
from hub.services.ports.warnings import Warnings


class Transaction(Protocol):
    @property
    def incidents(self) -> Incidents: ...
    @property
    def dispatches(self) -> Dispatches: ...
    @property
    def officers(self) -> Officers: ...
    @property
    def steps(self) -> Steps: ...
    @property
    def events(self) -> Events: ...
    @property
    def devices(self) -> DeviceHealth: ...
    @property
    def media(self) -> Media: ...
    @property
    def warnings(self) -> Warnings: ...
    @property
    def patrol(self) -> PatrolRuns: ...
    @property
    def timers(self) -> Timers: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def changes(self) -> Changes: ...
    @property
    def audit_log(self) -> AuditLog: ...
    @property
    def lease(self) -> LeaseCheck: ...


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """Commits when the block ends normally, rolls back when it raises."""
        ...

    def rehearsal(self) -> AbstractAsyncContextManager[Transaction]:
        """A transaction that runs every statement of its block and is then rolled back, whatever happens:
        a path's first real use finds it warm, and nothing of the rehearsal remains."""
        ...
