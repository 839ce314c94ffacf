"""Every writer of a site takes the site's lock before any row it will change, so two writers never
wait for each other in a circle. The leader's timer and supervision rounds once took a row first
(the timer, the device's health) and the site second: the desk resolving an incident as its routing
timer fired deadlocked with it, and PostgreSQL aborted the desk's resolve (seen in CI)."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from tests.integration.conftest import HubUnderTest, eventually, fetch_value

SITE = "site-01"


async def _someone_waits_for_a_site(database_url: str) -> bool:
    return bool(
        await fetch_value(database_url, "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    )


async def test_a_timer_firing_while_the_desk_closes_its_incident_waits_for_the_desk_and_never_deadlocks(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef(SITE, "btn-01-0"))
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM incidents"))
    await eventually(
        lambda: fetch_value(db, "SELECT count(*) = 0 FROM timers WHERE fired_at IS NULL AND kind = 'route'")
    )
    incident_id = await fetch_value(db, "SELECT id FROM incidents")

    conn = await asyncpg.connect(db)
    try:
        async with conn.transaction():  # the desk, closing the incident under the site's lock
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('site:' || $1, 0))", SITE)
            await fetch_value(  # falls due while the desk holds the site: the leader's round tries to fire it
                db,
                "INSERT INTO timers (incident_id, kind, due_at) VALUES ($1, 'ack', now() + interval '0.3 s')",
                incident_id,
            )
            await eventually(lambda: _someone_waits_for_a_site(db))
            started = time.monotonic()
            await conn.execute(
                "UPDATE timers SET cancelled = true WHERE incident_id = $1 AND fired_at IS NULL", incident_id
            )
            cancelled_in = time.monotonic() - started
    finally:
        await conn.close()
    assert cancelled_in < 0.5, f"the desk's cancel waited {cancelled_in:.2f} s for the timer round"
    assert await fetch_value(db, "SELECT count(*) FROM timers WHERE kind = 'ack' AND fired_at IS NOT NULL") == 0


async def test_the_supervision_scan_passes_over_a_site_another_writer_holds_and_marks_it_after(
    hub: HubUnderTest,
) -> None:
    db, device = hub.db, "btn-01-0"
    await eventually(lambda: fetch_value(db, "SELECT count(*) > 0 FROM device_health WHERE device_id = $1", device))
    await fetch_value(db, "UPDATE device_health SET deadline_at = now() - interval '1 s' WHERE device_id = $1", device)

    conn = await asyncpg.connect(db)
    try:
        async with conn.transaction():  # ingest, hearing the device under its site's lock
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('site:' || $1, 0))", SITE)
            # The scan must neither wait for the site nor keep the device's row while it would.
            assert await asyncio.wait_for(hub.running.supervision.scan(), 2) == 0
            started = time.monotonic()
            await conn.execute("UPDATE device_health SET battery = 80 WHERE device_id = $1", device)
            heard_in = time.monotonic() - started
    finally:
        await conn.close()
    assert heard_in < 0.5, f"ingest waited {heard_in:.2f} s for the device's row"
    await hub.running.supervision.scan()  # now free: the device goes offline (if the leader's round has not)
    assert await fetch_value(db, "SELECT NOT online FROM device_health WHERE device_id = $1", device)
