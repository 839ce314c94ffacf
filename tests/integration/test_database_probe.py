"""The database check behind the health monitor, on a real PostgreSQL: it passes while the server
answers, rides out the loss of its own connection, and fails at once where nothing listens; and the
errors a missing server raises are told apart from errors in the work."""

from __future__ import annotations

import asyncpg
import pytest

from hub.adapters.postgres.probe import PostgresProbe, is_database_outage
from sentinel_dev.services import free_port


async def test_the_check_passes_and_survives_the_loss_of_its_own_connection(database_url: str) -> None:
    probe = PostgresProbe(database_url)
    try:
        await probe.check()
        admin = await asyncpg.connect(database_url)
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        await probe.check()  # a fresh connection decides: the server is there
    finally:
        await probe.close()


async def test_the_check_fails_at_once_where_no_server_listens() -> None:
    probe = PostgresProbe(f"postgresql://sentinel@127.0.0.1:{free_port()}/sentinel")
    with pytest.raises(OSError) as raised:
        await probe.check()
    assert is_database_outage(raised.value)


async def test_errors_in_the_work_are_not_an_outage(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(asyncpg.PostgresError) as raised:
            await conn.execute("SELECT * FROM no_such_table")
    finally:
        await conn.close()
    assert not is_database_outage(raised.value)
    with pytest.raises(asyncpg.InterfaceError) as closed:
        await conn.fetchval("SELECT 1")
    assert is_database_outage(closed.value)
