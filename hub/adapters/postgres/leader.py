"""Leader election with a PostgreSQL advisory lock: exactly one hub instance runs the timers.

The lock lives as long as the session that took it. If the leader dies or loses its connection,
PostgreSQL releases the lock and another instance takes over within `retry_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

log = structlog.get_logger(__name__)

TIMERS_LOCK = 0x5E47_7153  # shared by every instance of every hub on the database


class AdvisoryLeader:
    name = "leader-election"

    def __init__(self, dsn: str, instance: str, key: int = TIMERS_LOCK, retry_s: float = 1.0) -> None:
        self._dsn = dsn
        self._instance = instance
        self._key = key
        self._retry_s = retry_s
        self.is_leader = False

    def is_ready(self) -> bool:
        return True  # a follower is as ready as a leader

    async def run(self, while_leader: Callable[[], Awaitable[None]]) -> None:
        """Forever: try to become leader; while leader, run `while_leader` (cancelled on loss)."""
        while True:
            try:
                conn = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("leader election cannot reach the database", error=str(exc))
                await asyncio.sleep(self._retry_s)
                continue
            try:
                await self._hold(conn, while_leader)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("leader election connection failed", error=str(exc))
            finally:
                if self.is_leader:
                    log.warning("no longer the leader", instance=self._instance)
                self.is_leader = False
                with contextlib.suppress(Exception):
                    conn.terminate()
            await asyncio.sleep(self._retry_s)

    async def _hold(self, conn: asyncpg.Connection, while_leader: Callable[[], Awaitable[None]]) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key):
            await asyncio.sleep(self._retry_s)
            if lost.is_set():
                return
        self.is_leader = True
        log.info("became the leader: running timers", instance=self._instance)
        work = asyncio.create_task(while_leader(), name="leader-work")
        watch = asyncio.create_task(self._watch(conn, lost), name="leader-watch")
        try:
            done, _ = await asyncio.wait([work, watch], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:
            for task in (work, watch):
                task.cancel()
            await asyncio.gather(work, watch, return_exceptions=True)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        # A dead TCP link may go unnoticed without traffic: ping the session now and then.
        while not lost.is_set():
            await asyncio.sleep(self._retry_s)
            await conn.fetchval("SELECT 1")
