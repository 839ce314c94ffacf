"""The leader's fencing check (hub.adapters.postgres.leader): its work commits only while it holds the lease."""

from __future__ import annotations

from hub.adapters.postgres.rows import Rows
from hub.services.ports import Lease, LeaseLost


class PostgresLeaseCheck(Rows):
    async def hold_lease(self, lease: Lease) -> None:
        # FOR SHARE: a takeover (an UPDATE of this row) waits until this transaction has ended.
        held = await self._conn.fetchval(
            "SELECT true FROM leader_lease WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()"
            " FOR SHARE",
            lease.name,
            lease.holder,
            lease.epoch,
        )
        if not held:
            raise LeaseLost(f"lease {lease.name} epoch {lease.epoch} is no longer held by {lease.holder}")
