"""The write side in PostgreSQL: one transaction per ingest batch or lifecycle command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from hub.adapters.postgres.audit_log import PostgresAuditLog
from hub.adapters.postgres.changes import CHANGES_CHANNEL, PostgresChanges
from hub.adapters.postgres.device_health import PostgresDeviceHealth
from hub.adapters.postgres.dispatches import PostgresDispatches, dispatch_from_row
from hub.adapters.postgres.events import PostgresEvents
from hub.adapters.postgres.incidents import INCIDENT_COLUMNS, INCIDENT_FIELDS, PostgresIncidents, incident_from_row
from hub.adapters.postgres.lease_check import PostgresLeaseCheck
from hub.adapters.postgres.media import PostgresMedia
from hub.adapters.postgres.officers import PostgresOfficers
from hub.adapters.postgres.outbox_writes import PostgresOutboxWrites
from hub.adapters.postgres.speaker_warnings import PostgresWarnings
from hub.adapters.postgres.steps import PostgresSteps
from hub.adapters.postgres.timers import PostgresTimers

__all__ = ["CHANGES_CHANNEL", "INCIDENT_COLUMNS", "INCIDENT_FIELDS", "dispatch_from_row", "incident_from_row"]


class PostgresTransaction(
    PostgresEvents,
    PostgresIncidents,
    PostgresDispatches,
    PostgresOfficers,
    PostgresTimers,
    PostgresDeviceHealth,
    PostgresLeaseCheck,
    PostgresMedia,
    PostgresWarnings,
    PostgresAuditLog,
    PostgresSteps,
    PostgresOutboxWrites,
    PostgresChanges,
):
    """Move-only step: the per-kind classes, mixed in (the next commit composes them instead)."""


class PostgresStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(conn)
