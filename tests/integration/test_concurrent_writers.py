"""The worst night, part one: a guard keeps pressing (150 presses/s at one site) while the desk
acknowledges, the leader dispatches automatically, the officer accepts over MQTT and the desk resolves.
Every transition must persist: ingest, which rewrites the incident on every press, must never undo
one (it did: 5 of 8 acks and 8 of 8 automatic dispatches were lost). Counted in the database."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from devices.contract import Topics
from devices.link import DeviceLink
from hub.config import Settings
from simulators.button import press_payload
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub, write_district
from tests.integration.test_lifecycle_flow import reply

TRIALS = 20
RATE = 150.0  # presses per second, at one site
BUTTONS = 5


class Presser:
    """Presses the buttons of one site at a steady rate from a thread until stopped; counts what
    the broker confirmed."""

    def __init__(self, link: DeviceLink, topics: Topics, site: int) -> None:
        self._link, self._topics, self._site = link, topics, site
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"presser-{site}")
        self.sent = 0

    def __enter__(self) -> Presser:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        started = time.monotonic()
        infos = []
        while not self._stop.is_set():
            device = f"btn-{self._site:02d}-{self.sent % BUTTONS}"
            _, payload = press_payload("panic", f"p{self._site}-{self.sent}-{uuid.uuid4().hex[:6]}")
            infos.append(self._link.publish(self._topics.button_event(f"site-{self._site:02d}", device), payload))
            self.sent += 1
            ahead = started + self.sent / RATE - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        for info in infos:
            info.wait_for_publish(10)


@pytest.fixture
async def busy_hub(hub_settings: Settings, tmp_path: Path) -> AsyncIterator[HubUnderTest]:
    district = write_district(tmp_path / "busy.yaml", sites=TRIALS, buttons_per_site=BUTTONS)
    async with running_hub(hub_settings, district) as hub:
        yield hub


async def _post(hub: HubUnderTest, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(headers=hub.headers) as session,
        session.post(f"{hub.http}/api/v1{path}", json=body or {}) as response,
    ):
        assert response.status == 200, f"{path}: {response.status} {await response.text()}"
        return await response.json()


async def _row(db: str, site: str) -> asyncpg.Record:
    conn = await asyncpg.connect(db)
    try:
        return await conn.fetchrow("SELECT * FROM incidents WHERE site_id = $1 ORDER BY id LIMIT 1", site)
    finally:
        await conn.close()


async def _holds(db: str, site: str, column: str, seconds: float = 0.5) -> None:
    """The column stays set while the presses go on (an undo would clear it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        row = await _row(db, site)
        assert row[column] is not None, f"{site}: {column} was undone (state {row['state']})"
        await asyncio.sleep(0.05)


async def test_acks_dispatches_accepts_and_resolves_persist_while_a_guard_keeps_pressing(
    busy_hub: HubUnderTest,
) -> None:
    hub, db, topics = busy_hub, busy_hub.settings.database_url, busy_hub.topics
    assert db and hub.settings.mqtt_url
    link = DeviceLink(hub.settings.mqtt_url, f"guards-{uuid.uuid4().hex[:6]}").connect()
    officer_link = DeviceLink(hub.settings.mqtt_url, f"officers-{uuid.uuid4().hex[:6]}").connect()
    for officer in ("o0", "o1"):  # the grid officers of g0 and g1
        await hub.running.lifecycle.sign_on(officer, True, f"officer:{officer}")
    pressed = 0
    try:
        for trial in range(TRIALS):
            site = f"site-{trial:02d}"
            with Presser(link, topics, trial) as presser:
                await eventually(
                    lambda site=site: fetch_value(db, "SELECT count(*) FROM incidents WHERE site_id = $1", site)
                )
                incident_id = (await _row(db, site))["id"]
                # The leader dispatches a P1 automatically; it must stay dispatched.
                await eventually(lambda site=site: _field_set(db, site, "dispatched_at"))
                await _holds(db, site, "dispatched_at")
                acked = await _post(hub, f"/incidents/{incident_id}/ack")
                assert acked["acknowledged_at"]
                await _holds(db, site, "acknowledged_at")
                dispatch_id = await fetch_value(
                    db, "SELECT id FROM dispatches WHERE incident_id = $1 AND state = 'offered'", incident_id
                )
                assert dispatch_id, f"{site}: the dispatch is gone"
                officer = await fetch_value(db, "SELECT officer_id FROM dispatches WHERE id = $1", dispatch_id)
                await asyncio.to_thread(reply, officer_link, topics, str(officer), str(dispatch_id), "accept")
                # Refused as an illegal transition when the dispatch had been undone.
                await eventually(lambda site=site: _field_set(db, site, "accepted_at"))
                await _holds(db, site, "accepted_at")
                resolved = await _post(
                    hub, f"/incidents/{incident_id}/resolve", {"disposition": "genuine", "note": f"trial {trial}"}
                )
                assert resolved["state"] == "resolved"
                await _holds(db, site, "resolved_at")
            pressed += presser.sent
            row = await _row(db, site)
            assert row["state"] == "resolved", f"trial {trial}: {dict(row)}"
            for column in ("acknowledged_at", "dispatched_at", "accepted_at", "resolved_at"):
                assert row[column] is not None, f"trial {trial}: {column} lost"
            actions = await fetch_value(
                db, "SELECT array_agg(action ORDER BY id) FROM incident_timeline WHERE incident_id = $1", incident_id
            )
            assert {"opened", "dispatch", "acknowledge", "accept", "resolve"} <= set(actions)  # type: ignore[arg-type]
    finally:
        link.close()
        officer_link.close()
    # Every press stored exactly once, none refused.
    await eventually(lambda: fetch_value(db, f"SELECT count(*) = {pressed} FROM events"), timeout=30)
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0
    assert await fetch_value(db, "SELECT sum(event_count) FROM incidents") == pressed


async def _field_set(db: str, site: str, column: str) -> bool:
    return (await _row(db, site))[column] is not None
