"""The fake unit of work (cosmicpython's FakeUnitOfWork): every port in memory, one set of tables for the
whole store, rolled back when a transaction's block raises, as PostgreSQL would."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from hub.domain.patrol import PatrolRun, PatrolView
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
        self.events = FakeEvents(self.incidents)
        self.devices = FakeDeviceHealth(self.incidents)
        self.media = FakeMedia(self.events, self.changes)
        self.warnings = FakeWarnings()
        self.patrol = FakePatrolRuns(self.warnings)
        self.timers = FakeTimers(self.incidents)
        self.outbox = FakeOutbox(self.changes)
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

    @asynccontextmanager
    async def rehearsal(self) -> AsyncIterator[FakeTransaction]:
        before = copy.deepcopy(self.tables)
        self.tables.incidents.locked = set()
        try:
            yield self.tables
        finally:
            self.tables = before
            self.rollbacks += 1


class FakePatrolStore(FakeStore):
    """The store plus the patrol log's reads (hub.services.patrol.PatrolStore), on the committed tables."""

    async def latest_runs(self) -> dict[str, PatrolRun]:
        runs = sorted(self.tables.patrol.runs.values(), key=lambda r: (r.started_at, r.id))
        return {r.tour_id: r for r in runs}

    async def open_runs(self, since: datetime) -> list[PatrolRun]:
        runs = [r for r in self.tables.patrol.runs.values() if r.finished_at is None and r.started_at >= since]
        return sorted(runs, key=lambda r: (r.started_at, r.id), reverse=True)

    async def view_counts(self, run_ids: Sequence[int]) -> dict[int, int]:
        views = [v.run_id for v in self.tables.patrol.views.values() if v.run_id in run_ids]
        return {run_id: views.count(run_id) for run_id in set(views)}

    async def log(
        self, start: datetime | None, end: datetime | None, camera_id: str | None, limit: int
    ) -> list[tuple[PatrolView, PatrolRun]]:
        views = [
            v for v in self.tables.patrol.views.values()
            if (start is None or v.viewed_at >= start) and (end is None or v.viewed_at < end)
            and (camera_id is None or v.camera_id == camera_id)
        ]  # fmt: skip
        views.sort(key=lambda v: (v.viewed_at, v.id), reverse=True)
        return [(v, self.tables.patrol.runs[v.run_id]) for v in views[:limit]]
