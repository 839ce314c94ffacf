"""Failed logins per (account, address) in PostgreSQL (the ThrottleStore port): one state for every
hub instance, and what `sentinel user unlock` clears."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from hub.services.auth import ThrottleState

_STATE = """
SELECT p.failures, p.last_failure_at, p.last_success_at > $3::timestamptz - $5::interval AS known,
       a.failures AS address_failures, a.last_failure_at AS address_last_failure_at
  FROM (SELECT coalesce(sum(failures), 0)::int AS failures, max(last_failure_at) AS last_failure_at
          FROM login_throttle WHERE client = $2 AND last_failure_at > $3::timestamptz - $4::interval) a
  LEFT JOIN login_throttle p ON p.username = $1 AND p.client = $2
"""


class PostgresLoginThrottle:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def state(
        self, username: str, client: str, now: datetime, window: timedelta, known_for: timedelta
    ) -> ThrottleState:
        row = await self._pool.fetchrow(_STATE, username, client, now, window, known_for)
        assert row is not None
        return ThrottleState(
            failures=row["failures"] or 0,
            last_failure_at=row["last_failure_at"],
            known=bool(row["known"]),
            address_failures=row["address_failures"],
            address_last_failure_at=row["address_last_failure_at"],
        )

    async def count_attempt(self, username: str, client: str, now: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO login_throttle AS t (username, client, failures, last_failure_at) VALUES ($1, $2, 1, $3)"
            " ON CONFLICT (username, client) DO UPDATE SET failures = t.failures + 1, last_failure_at = $3",
            username,
            client,
            now,
        )

    async def succeeded(self, username: str, client: str, now: datetime) -> None:
        await self._pool.execute(
            "INSERT INTO login_throttle AS t (username, client, failures, last_success_at) VALUES ($1, $2, 0, $3)"
            " ON CONFLICT (username, client) DO UPDATE SET failures = 0, last_success_at = $3",
            username,
            client,
            now,
        )

    async def unlock(self, username: str | None, client: str | None) -> int:
        status = await self._pool.execute(
            "UPDATE login_throttle SET failures = 0 WHERE failures > 0"
            " AND ($1::text IS NULL OR username = $1) AND ($2::text IS NULL OR client = $2)",
            username,
            client,
        )
        return int(status.split()[-1])
