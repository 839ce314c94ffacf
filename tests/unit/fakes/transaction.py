"""The fake unit of work (cosmicpython's FakeUnitOfWork): every port in memory, one set of tables for the
whole store, rolled back when a transaction's block raises, as PostgreSQL would."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tests.unit.fakes.devices import FakeDeviceHealth, FakeEvents, FakeMedia
from tests.unit.fakes.effects import FakeAuditLog, FakeChanges, FakeLeaseCheck, FakeOutbox, FakeTimers
from tests.unit.fakes.incidents import FakeDispatches, FakeIncidents, FakeOfficers, FakeSteps
from tests.unit.fakes.patrol import FakePatrolRuns
from tests.unit.fakes.warnings import FakeWarnings


class FakeTransaction:
    def __init__(self) -> None:
        self.changes = FakeChanges()
        self.incidents = FakeIncidents()
        self.dispatches = FakeDispatches()
        self.officers = FakeOfficers(self.dispatches)
        self.steps = FakeSteps()
        self.events = FakeEvents()
        self.devices = FakeDeviceHealth(self.incidents)
        self.media = FakeMedia(self.events, self.changes)
        self.warnings = FakeWarnings()
        self.patrol = FakePatrolRuns(self.warnings)
        self.timers = FakeTimers()
        self.outbox = FakeOutbox()
        self.audit_log = FakeAuditLog()
        self.lease = FakeLeaseCheck()


class FakeStore:
    """`tables` is what is committed; a transaction works on it and puts back the copy taken at its start
    when its block raises. `commits` and `rollbacks` count the transactions' ends."""

    def __init__(self) -> None:
        self.tables = FakeTransaction()
        self.commits = 0
        self.rollbacks = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeTransaction]:
        before = copy.deepcopy(self.tables)
        self.tables.incidents.locked = set()  # locks last as long as their transaction
        try:
            yield self.tables
        except BaseException:
            self.tables = before
            self.rollbacks += 1
            raise
        self.commits += 1
