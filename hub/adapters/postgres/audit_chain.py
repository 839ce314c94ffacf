"""Reads the audit log's hash chain for `sentinel audit verify` (the links are made by the database
itself, migration 013): every entry with the hash its content gives now, in one consistent snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg

from hub.domain.audit import ChainEntry, ChainHead, ChainVerdict, ChainWalk

_ENTRIES = """
SELECT id, seq, prev_hash, hash,
       audit_row_hash(prev_hash, seq, id, at, actor, action, target, detail) AS recomputed
  FROM audit_log
 ORDER BY seq NULLS LAST, id
"""


async def verify_audit_chain(dsn: str) -> ChainVerdict:
    conn = await asyncpg.connect(dsn)
    try:
        # One snapshot: entries committed meanwhile are neither half seen nor counted against the head.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            row = await conn.fetchrow("SELECT seq, hash FROM audit_chain_head")
            head = None if row is None else ChainHead(row["seq"], bytes(row["hash"]))
            walk = ChainWalk()
            async for entry in _entries(conn):
                if not walk.step(entry):
                    break
            return walk.finish(head)
    finally:
        await conn.close()


async def _entries(conn: asyncpg.Connection) -> AsyncIterator[ChainEntry]:
    async for r in conn.cursor(_ENTRIES, prefetch=2000):
        yield ChainEntry(
            id=r["id"],
            seq=r["seq"],
            prev_hash=_bytes(r["prev_hash"]),
            hash=_bytes(r["hash"]),
            recomputed=_bytes(r["recomputed"]),
        )


def _bytes(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)
