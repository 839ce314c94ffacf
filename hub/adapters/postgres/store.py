"""The write side in PostgreSQL: one transaction per ingest batch or lifecycle command."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

from hub.adapters.postgres.audit_log import PostgresAuditLog
from hub.adapters.postgres.changes import PostgresChanges
from hub.adapters.postgres.device_health import PostgresDeviceHealth
from hub.adapters.postgres.dispatches import PostgresDispatches
from hub.adapters.postgres.events import PostgresEvents
from hub.adapters.postgres.held_writes import HoldingConnection
from hub.adapters.postgres.incidents import PostgresIncidents
from hub.adapters.postgres.lease_check import PostgresLeaseCheck
from hub.adapters.postgres.media import PostgresMedia
from hub.adapters.postgres.officers import PostgresOfficers
from hub.adapters.postgres.outbox_writes import PostgresOutboxWrites
from hub.adapters.postgres.patrol_runs import PostgresPatrolRuns
from hub.adapters.postgres.speaker_warnings import PostgresWarnings
from hub.adapters.postgres.steps import PostgresSteps
from hub.adapters.postgres.timers import PostgresTimers

_REHEARSAL_IDS = "rehearsal_incident_ids"


def _gone(conn: asyncpg.pool.PoolConnectionProxy) -> bool:
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:  # its pool took it back when the server ended it
        return True


class PostgresTransaction:
    """One transaction's ports by kind of data (hub.services.ports.transaction), on its connection."""

    def __init__(self, conn: HoldingConnection) -> None:
        self.changes = PostgresChanges(conn)
        self.incidents = PostgresIncidents(conn)
        self.dispatches = PostgresDispatches(conn)
        self.officers = PostgresOfficers(conn)
        self.steps = PostgresSteps(conn)
        self.events = PostgresEvents(conn)
        self.devices = PostgresDeviceHealth(conn)
        self.media = PostgresMedia(conn, self.changes)
        self.warnings = PostgresWarnings(conn)
        self.patrol = PostgresPatrolRuns(conn)
        self.timers = PostgresTimers(conn)
        self.outbox = PostgresOutboxWrites(conn)
        self.audit_log = PostgresAuditLog(conn)
        self.lease = PostgresLeaseCheck(conn)


class PostgresStore:
    def __init__(
        self,
        pool: asyncpg.Pool,
        on_sites_released: Callable[[], None] | None = None,
        keep_connection: bool = False,
    ) -> None:
        self._pool = pool
        # Told when a transaction that held sites' locks has ended (committed or rolled back): a writer
        # that deferred a busy site's events retries then rather than after its polling delay.
        self._on_sites_released = on_sites_released
        # The alarm lane's store keeps its connection between transactions: asyncpg gives a connection back to
        # its pool in a task of its own, a turn of the event loop after every commit that the guard's
        # `received` waited for (~0.2 ms a press; benchmarks/README.md, "Ninth pass").
        self._keep_connection = keep_connection
        self._kept: asyncpg.pool.PoolConnectionProxy | None = None
        self._kept_in_use = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        holding: HoldingConnection | None = None
        try:
            async with self._connection() as conn, conn.transaction():
                holding = HoldingConnection(conn)
                yield PostgresTransaction(holding)
                await holding.flush()  # held writes go before the commit; after a failure, nowhere
        finally:
            self._ended(holding)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy]:
        """A connection for one transaction: the pool's, or the one this store keeps. A transaction that
        starts while the kept one is busy takes one from the pool; after a failure, or once the server has
        ended it, the kept one goes back to the pool (which drops it if broken) and the next transaction
        takes another."""
        if not self._keep_connection or self._kept_in_use:
            async with self._pool.acquire() as pooled:
                yield pooled
            return
        kept = self._kept
        if kept is not None and _gone(kept):  # ended while idle (a restart, a terminated backend)
            self._kept = None
            await self._pool.release(kept)
            kept = None
        if kept is None:
            kept = self._kept = await self._pool.acquire()
        self._kept_in_use = True
        failed = True
        try:
            yield kept
            failed = _gone(kept)
        finally:
            self._kept_in_use = False
            if failed:
                self._kept = None
                await self._pool.release(kept)

    async def close(self) -> None:
        """Gives the kept connection back to the pool, whose closing waits for every connection (one in use
        goes back when its transaction ends)."""
        kept = self._kept
        if kept is not None and not self._kept_in_use:
            self._kept = None
            await self._pool.release(kept)

    @asynccontextmanager
    async def rehearsal(self) -> AsyncIterator[PostgresTransaction]:
        """New incidents take their ids from a sequence of the rehearsal's own, gone with its rollback, far
        above any real id: the incidents' sequence does not roll back, and a restart must not skip an
        incident number that people read."""
        holding: HoldingConnection | None = None
        try:
            async with self._connection() as conn:  # the lane's own: its statements are the ones to prepare
                transaction = conn.transaction()
                await transaction.start()
                try:
                    await conn.execute(f"CREATE TEMP SEQUENCE {_REHEARSAL_IDS} START {2**63 - 2**20}")
                    holding = HoldingConnection(conn, incident_ids=f"pg_temp.{_REHEARSAL_IDS}")
                    yield PostgresTransaction(holding)
                    await holding.flush()  # held writes are statements to warm too
                finally:
                    await transaction.rollback()
        finally:
            self._ended(holding)

    def _ended(self, holding: HoldingConnection | None) -> None:
        if holding is not None and holding.sites_locked and self._on_sites_released is not None:
            self._on_sites_released()
