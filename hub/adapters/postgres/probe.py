"""Is PostgreSQL there? A cheap check on a connection of its own, and which errors mean "it is not".

The check holds one connection outside the pool, so it neither waits behind a busy pool nor takes a
slot the ingest needs; a stopped server ends that connection at once, so the next check fails at
once, and while the server is away each check is a refused connect that costs next to nothing.
"""

from __future__ import annotations

import asyncpg
import structlog

log = structlog.get_logger(__name__)

_OUTAGE_ERRORS = (
    OSError,  # refused, reset, unreachable; also TimeoutError (no answer in time)
    asyncpg.PostgresConnectionError,  # the connection broke or could not be made
    asyncpg.CannotConnectNowError,  # starting up, shutting down, in recovery
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def is_database_outage(error: BaseException) -> bool:
    """True when an error says the database is unreachable, not that the work was wrong (a
    constraint, a bad query, a statement timeout): the work is worth retrying as it is."""
    if isinstance(error, BaseExceptionGroup):
        return any(is_database_outage(e) for e in error.exceptions)
    if isinstance(error, _OUTAGE_ERRORS):
        return True
    # asyncpg says "connection is closed" / "pool is closing" with a bare InterfaceError.
    return isinstance(error, asyncpg.InterfaceError) and "clos" in str(error)


class PostgresProbe:
    """A DependencyCheck: `SELECT 1` on a connection of its own, reconnecting when it is gone."""

    name = "database"

    def __init__(self, dsn: str, connect_timeout_s: float = 1.5) -> None:
        self._dsn = dsn
        self._connect_timeout_s = connect_timeout_s
        self._conn: asyncpg.Connection | None = None

    async def check(self) -> None:
        held = self._conn is not None and not self._conn.is_closed()
        try:
            await self._select_one()
        except Exception:
            if not held:
                raise
            # The connection we held died (a terminated backend, a network blip, an idle timeout):
            # that alone is no outage. A fresh one decides; a stopped server refuses it at once.
            await self._select_one()

    async def _select_one(self) -> None:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = None
                self._conn = await asyncpg.connect(self._dsn, timeout=self._connect_timeout_s)
            await self._conn.fetchval("SELECT 1")
        except BaseException:
            # Cancelled (the monitor's timeout) or failed: whatever state it is in, start afresh.
            self._drop()
            raise

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        self._drop()
