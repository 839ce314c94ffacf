"""The base of the per-kind persistence classes: each works on the connection of one transaction."""

from __future__ import annotations

import asyncpg


class Rows:
    def __init__(self, conn: asyncpg.pool.PoolConnectionProxy) -> None:
        self._conn = conn
