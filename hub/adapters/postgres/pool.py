"""asyncpg pool with the codecs the hub needs, created in a start-up context (never at import)."""

from __future__ import annotations

import json

import asyncpg

# Bounded waiting (see DESIGN.md, "the worst night"): a stalled hub instance must not stall the others.
# - A transaction left open by a frozen process is ended by the server, releasing its locks.
# - No statement waits for a lock, or runs, for ever: the caller fails, retries or requeues.
# The hub's transactions never wait on anything but the database, so these bounds are generous.
IDLE_IN_TRANSACTION_MS = 5_000
LOCK_TIMEOUT_MS = 4_000
STATEMENT_TIMEOUT_MS = 30_000
SERVER_SETTINGS = {
    "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_MS),
    "lock_timeout": str(LOCK_TIMEOUT_MS),
    "statement_timeout": str(STATEMENT_TIMEOUT_MS),
}


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """Released connections keep their session: the hub sets no session state on pooled connections
    (locks are transaction-level, LISTEN has its own connection), and asyncpg still rolls back an
    open transaction. Skipping `RESET ALL` and the rest saves a round trip after every transaction,
    which an alarm's commit would otherwise wait for."""


async def create_pool(dsn: str, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        command_timeout=STATEMENT_TIMEOUT_MS / 1000,
        server_settings=SERVER_SETTINGS,
        reset=_keep_session,
    )
