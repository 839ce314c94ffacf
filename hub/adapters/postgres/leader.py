"""Leader election with a lease in PostgreSQL: exactly one hub instance runs the timers.

A session-level advisory lock is not enough: a stalled process (SIGSTOP, a frozen VM, a long GC
pause) keeps its idle session, and with it the lock, for as long as it stalls. Here the leader holds a
row with an expiry that it renews every `renew_s`; when it stops renewing, another instance takes the
row over once it has expired (a new `epoch`). The leader's work passes its `Lease` to every
transaction that has effects, which checks and share-locks the row with that epoch (see
`PostgresLeaseCheck.hold_lease`): a leader that wakes up after losing the lease can fire nothing, and
a takeover waits for the old leader's transaction in progress to end (bounded by the hub's
`idle_in_transaction_session_timeout`), so the two never act at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg
import structlog

from hub.services.ports import Lease, LeaseLost

log = structlog.get_logger(__name__)

TIMERS_ROLE = "timers"


class LeaseLeader:
    name = "leader-election"

    def __init__(
        self,
        dsn: str,
        instance: str,
        role: str = TIMERS_ROLE,
        lease_s: float = 3.0,
        renew_s: float = 1.0,
        poll_s: float = 0.5,
    ) -> None:
        self._dsn = dsn
        self._instance = instance
        self._role = role
        self._lease_s = lease_s
        self._renew_s = renew_s
        self._poll_s = poll_s
        # Unique per process: a restarted instance with the same id waits for its predecessor's
        # lease to expire instead of taking it over as if it had never stopped.
        self._holder = f"{instance}/{uuid.uuid4().hex[:8]}"
        self.lease: Lease | None = None

    @property
    def is_leader(self) -> bool:
        return self.lease is not None

    def is_ready(self) -> bool:
        return True  # a follower is as ready as a leader

    async def run(self, while_leader: Callable[[Lease], Coroutine[Any, Any, None]]) -> None:
        """Forever: try to become leader; while leader, run `while_leader(lease)` (cancelled as
        soon as the lease cannot be renewed)."""
        while True:
            try:
                conn = await asyncpg.connect(
                    self._dsn,
                    timeout=5,
                    command_timeout=self._lease_s,
                    # A takeover waits for the old leader's share lock on the row; never for long.
                    server_settings={"lock_timeout": str(int(self._lease_s * 1000))},
                )
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("leader election cannot reach the database", error=str(exc))
                await asyncio.sleep(self._poll_s)
                continue
            try:
                await self._campaign(conn, while_leader)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                log.warning("leader election connection failed", error=repr(exc))
            finally:
                self._step_down()
                with contextlib.suppress(Exception):
                    conn.terminate()
            await asyncio.sleep(self._poll_s)

    async def _campaign(
        self, conn: asyncpg.Connection, while_leader: Callable[[Lease], Coroutine[Any, Any, None]]
    ) -> None:
        """Wait for the lease, then hold it for one term (the caller reconnects afterwards: a
        renewal cut short may have left the connection mid-query)."""
        lease = await self._try_acquire(conn)
        while lease is None:
            await asyncio.sleep(self._poll_s)
            lease = await self._try_acquire(conn)
        self.lease = lease
        log.info("became the leader: running timers", instance=self._instance, epoch=lease.epoch)
        work = asyncio.create_task(while_leader(lease), name="leader-work")
        keep = asyncio.create_task(self._keep(conn, lease), name="leader-lease")
        try:
            done, _ = await asyncio.wait([work, keep], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                exc = task.exception()
                if exc is not None and not isinstance(exc, LeaseLost):
                    raise exc
        finally:
            for task in (work, keep):
                task.cancel()
            await asyncio.gather(work, keep, return_exceptions=True)
            self._step_down()

    async def _try_acquire(self, conn: asyncpg.Connection) -> Lease | None:
        try:
            epoch = await conn.fetchval(
                """
                INSERT INTO leader_lease AS l (name, holder, epoch, expires_at)
                VALUES ($1, $2, 1, now() + make_interval(secs => $3))
                ON CONFLICT (name) DO UPDATE
                    SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at,
                        acquired_at = now()
                    WHERE l.expires_at < now()
                RETURNING epoch
                """,
                self._role,
                self._holder,
                self._lease_s,
            )
        except asyncpg.LockNotAvailableError:
            return None  # the old leader's last transaction still runs: try again shortly
        return Lease(self._role, self._holder, epoch) if epoch is not None else None

    async def _keep(self, conn: asyncpg.Connection, lease: Lease) -> None:
        """Renew until it fails; return (or raise) when the lease is lost. Our own clock bounds it
        too: a renewal that has not succeeded for a whole lease means another may hold it now."""
        valid_until = time.monotonic() + self._lease_s
        while True:
            await asyncio.sleep(self._renew_s)
            started = time.monotonic()
            if started >= valid_until:
                log.warning("leader lease lapsed before renewal", instance=self._instance, epoch=lease.epoch)
                return
            try:
                async with asyncio.timeout(valid_until - started):
                    renewed = await conn.fetchval(
                        "UPDATE leader_lease SET expires_at = now() + make_interval(secs => $4)"
                        " WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now() RETURNING true",
                        lease.name,
                        lease.holder,
                        lease.epoch,
                        self._lease_s,
                    )
            except TimeoutError:
                log.warning("leader lease renewal too slow", instance=self._instance, epoch=lease.epoch)
                return
            if not renewed:
                log.warning("leader lease lost", instance=self._instance, epoch=lease.epoch)
                return
            valid_until = started + self._lease_s

    def _step_down(self) -> None:
        if self.lease is not None:
            log.warning("no longer the leader", instance=self._instance, epoch=self.lease.epoch)
        self.lease = None
