"""A transaction's connection that holds back writes nobody reads the result of, and sends them inside a
later statement as data-modifying WITH clauses, so that one round trip carries several statements.

Each round trip of an alarm's transaction is a wake-up of the hub and of PostgreSQL's backend, each a chance to
wait for a core on a busy machine: the press → console latency is mostly their count (benchmarks/README.md,
"Sixth pass"; what holding saved: "Seventh pass"). A held write is sent, in the order written:
- inside the next statement that says which tables it touches (`fetch_carrying`), unless it writes one of them;
- alone, just before any other statement (so every plain read sees every earlier write, as without holding);
- alone, just before the commit (PostgresStore.transaction), and never after a failure (the transaction rolls
  back).
All clauses of one statement see the same snapshot and none sees another's effects: hence a held write never
rides with a statement on its own table, and a second write to a table sends the first one before it is held.
PostgreSQL runs every data-modifying WITH clause whether or not the statement reads it, so only INSERT, UPDATE
and DELETE may be held (a `SELECT pg_notify(…)` clause nobody reads would never run).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

_PARAMETER = re.compile(r"\$(\d+)")
_WRITES = ("INSERT ", "UPDATE ", "DELETE ")


@dataclass(frozen=True, slots=True)
class _HeldWrite:
    table: str
    sql: str
    args: tuple[Any, ...]


def _shifted(sql: str, by: int) -> str:
    """`sql` with its parameters $n renumbered $(n + by), to follow another statement's parameters."""
    return _PARAMETER.sub(lambda m: f"${int(m.group(1)) + by}", sql) if by else sql


def _recursive(sql: str) -> bool:
    return sql.lstrip()[:15].upper().startswith("WITH RECURSIVE")


def combined(writes: Sequence[_HeldWrite], sql: str, args: Sequence[Any]) -> tuple[str, list[Any]]:
    """One statement: each write as a WITH clause in order, then `sql` (which may open with its own WITH, not a
    RECURSIVE one: that one goes alone, after the writes). Parameters are renumbered as text: held and carrying
    SQL use `$` for parameters only."""
    if _recursive(sql):
        raise ValueError("a WITH RECURSIVE statement cannot carry held writes")
    clauses: list[str] = []
    values: list[Any] = []
    for number, write in enumerate(writes):
        clauses.append(f"held_{number} AS ({_shifted(write.sql, len(values))})")
        values.extend(write.args)
    main = _shifted(sql, len(values)).lstrip()
    values.extend(args)
    if main[:5].upper() == "WITH ":
        return f"WITH {', '.join(clauses)}, {main[5:]}", values
    return f"WITH {', '.join(clauses)} {main}", values


class HoldingConnection:
    """The connection of one transaction, as the per-kind Rows classes use it."""

    def __init__(self, conn: asyncpg.pool.PoolConnectionProxy, incident_ids: str = "incidents_id_seq") -> None:
        self._conn = conn
        self._held: list[_HeldWrite] = []
        # Set by whoever takes a site's lock (PostgresIncidents, PostgresEvents): its release at the
        # transaction's end is news to a writer that deferred that site's events (PostgresStore).
        self.sites_locked = False
        # The sequence new incidents' ids come from: a rehearsal's own (PostgresStore.rehearsal), since a
        # sequence does not roll back and people read incident numbers.
        self.incident_ids = incident_ids

    async def hold(self, table: str, sql: str, *args: Any) -> None:
        """Write `table` with `sql` (INSERT, UPDATE or DELETE, no RETURNING) in a later round trip."""
        if not sql.lstrip()[:7].upper().startswith(_WRITES):
            raise ValueError(f"only INSERT, UPDATE or DELETE can be held, not {sql[:40]!r}")
        if any(w.table == table for w in self._held):
            await self.flush()
        self._held.append(_HeldWrite(table, sql, args))

    async def fetch_carrying(self, tables: Iterable[str], sql: str, *args: Any) -> list[asyncpg.Record]:
        """`fetch(sql)`, carrying the held writes unless one of them writes a table `sql` touches."""
        touched = set(tables)
        if not self._held or _recursive(sql) or any(w.table in touched for w in self._held):
            await self.flush()
            return await self._conn.fetch(sql, *args)
        statement, values = combined(self._held, sql, args)
        self._held = []
        return await self._conn.fetch(statement, *values)

    async def flush(self) -> None:
        """Send what is held, in one statement."""
        if not self._held:
            return
        *writes, last = self._held
        self._held = []
        if writes:
            statement, values = combined(writes, last.sql, last.args)
            await self._conn.execute(statement, *values)
        else:
            await self._conn.execute(last.sql, *last.args)

    async def execute(self, sql: str, *args: Any) -> str:
        await self.flush()
        return await self._conn.execute(sql, *args)

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None:
        await self.flush()
        await self._conn.executemany(sql, args)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        await self.flush()
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        await self.flush()
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self.flush()
        return await self._conn.fetchval(sql, *args)

    def is_closed(self) -> bool:
        return self._conn.is_closed()
