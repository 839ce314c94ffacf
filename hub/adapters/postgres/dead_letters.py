"""Dead letters kept bounded: a large payload is stored as a prefix with its length and SHA-256 (enough to
inspect it and to recognise a repeat), and rows older than the retention are pruned."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
import structlog

from hub.adapters.metrics import HubMetrics
from hub.services.clock import utc_now

log = structlog.get_logger(__name__)

KEEP_BYTES = 4096  # the prefix kept of a larger payload (migration 012 cut older rows to the same)
_PRUNE_BATCH = 5000  # rows deleted per statement: short transactions, even after a flood


def kept_payload(payload: bytes) -> tuple[bytes, int, bytes]:
    """What a dead letter keeps of a payload: at most KEEP_BYTES of it, its length and its SHA-256."""
    return payload[:KEEP_BYTES], len(payload), hashlib.sha256(payload).digest()


class PostgresDeadLetterRetention:
    """Deletes dead letters older than `keep`. Every instance may run it: deleting is idempotent."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        keep: timedelta,
        metrics: HubMetrics,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._pool = pool
        self._keep = keep
        self._metrics = metrics
        self._clock = clock

    async def prune(self) -> int:
        """Delete what is past retention; update the metrics of what is kept. Returns the rows deleted."""
        cutoff, pruned = self._clock() - self._keep, 0
        while True:
            status = await self._pool.execute(
                "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < $1 LIMIT $2)",
                cutoff,
                _PRUNE_BATCH,
            )
            deleted = int(status.rsplit(" ", 1)[1])
            pruned += deleted
            if deleted < _PRUNE_BATCH:
                break
        row = await self._pool.fetchrow(
            "SELECT count(*) AS rows, coalesce(sum(octet_length(payload)), 0) AS bytes FROM dead_letters"
        )
        assert row is not None
        self._metrics.dead_letters_pruned(pruned, row["rows"], row["bytes"])
        if pruned:
            log.info("dead letters pruned", rows=pruned, older_than=cutoff.isoformat(), kept=row["rows"])
        return pruned

    async def run(self, every_s: float = 900.0) -> None:
        while True:
            try:
                await self.prune()
            except (asyncpg.PostgresError, OSError) as exc:  # the database may be away: try next round
                log.warning("dead letter pruning failed; will retry", error=repr(exc))
            await asyncio.sleep(every_s)
