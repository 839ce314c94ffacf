"""A hub stopped while the leader gives talk-down verdicts: it exits promptly, and every verdict with its
firmer message is either committed whole or not at all (the timer stays due for the next leader). Counted in
the database: each escalated incident has exactly one firmer speaker command in the outbox."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devices.link import DeviceLink
from hub.config import Settings
from hub.domain.incidents import Incident
from hub.domain.talkdown import TalkdownRule
from hub.services.messages import OutboundMessage
from hub.services.ports.transaction import Transaction
from simulators.districts import save_district, synthetic_district
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub
from tests.integration.test_talkdown import rows

SITES = 24
STOP_AT = 9  # the verdict during which the hub is stopped
FIRMER_TEXT = "警方正在赶来，请保持冷静。"


@pytest.fixture
def settings(hub_settings: Settings, tmp_path: Path) -> Settings:
    district = synthetic_district(sites=SITES, buttons_per_site=1)
    district["talkdown"] = [{"id": "banks", "site_kinds": ["bank"], "window_s": 5, "firmer_message": "police-coming"}]
    path = save_district(tmp_path / "many-verdicts.yaml", district)
    return hub_settings.model_copy(update={"district_file": path})


async def open_intrusions(hub: HubUnderTest, link: DeviceLink) -> None:
    """An intruder at every site (no warning rule: the watch is armed by hand below)."""
    for s in range(SITES):
        body = {"event_id": f"in-{s}", "type": "intrusion", "zone": "yard", "ts": datetime.now(UTC).isoformat()}
        topic = hub.topics.camera_event(f"site-{s:02d}", f"cam-{s:02d}")
        await asyncio.to_thread(link.publish_and_wait, topic, json.dumps(body).encode())
    db = hub.db
    await eventually(lambda: fetch_value(db, "SELECT count(*) = $1 FROM incidents", SITES), timeout=20)


def stall_at(hub: HubUnderTest, n: int, reached: asyncio.Event) -> None:
    """The n-th verdict that writes its firmer message stalls in a query: the hub is stopped inside it."""
    lifecycle = hub.running.lifecycle
    queue: Callable[[Transaction, Incident, TalkdownRule, datetime], Awaitable[list[OutboundMessage]]]
    queue = lifecycle._firmer_warning  # type: ignore[assignment]
    calls = 0

    async def stalling(tx: Transaction, incident: Incident, rule: TalkdownRule, now: datetime) -> Any:
        nonlocal calls
        calls += 1
        written = await queue(tx, incident, rule, now)
        if calls == n:
            reached.set()
            # Cancelled inside a query, the hardest moment for the connection (asyncpg must cancel it on the
            # server before the rollback can run).
            await tx.timers._conn.execute("SELECT pg_sleep(60)")  # type: ignore[attr-defined]
        return written

    lifecycle._firmer_warning = stalling


async def firmer_commands(db: str, topics: Any) -> dict[str, int]:
    """Site → distinct firmer speaker commands in the outbox (a resend repeats a command_id: not counted)."""
    found = await rows(
        db,
        "SELECT topic, count(DISTINCT convert_from(payload, 'UTF8')::jsonb->>'command_id') AS n FROM outbox"
        " WHERE convert_from(payload, 'UTF8')::jsonb->>'text' = $1 GROUP BY topic",
        FIRMER_TEXT,
    )
    by_topic = {r["topic"]: r["n"] for r in found}
    by_site = {f"site-{s:02d}": by_topic.pop(topics.speaker_command(f"site-{s:02d}", f"spk-{s:02d}"), 0)
               for s in range(SITES)}  # fmt: skip
    assert not by_topic, by_topic  # no firmer message anywhere else
    return {site: n for site, n in by_site.items() if n}


async def escalated_sites(db: str) -> dict[str, int]:
    found = await rows(
        db,
        "SELECT i.site_id, count(*) AS n FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id"
        " WHERE t.reason_code = 'talkdown_failed' GROUP BY i.site_id",
    )
    return {r["site_id"]: r["n"] for r in found}


async def test_a_hub_stopped_mid_verdict_exits_promptly_and_loses_or_doubles_no_firmer_message(
    settings: Settings, device_link: DeviceLink
) -> None:
    db = settings.database_url
    assert db
    reached = asyncio.Event()
    hub_context = running_hub(settings)
    hub = await hub_context.__aenter__()
    try:
        await open_intrusions(hub, device_link)
        stall_at(hub, STOP_AT, reached)
        # Every watch ends at once: many verdicts due together.
        await rows(db, "INSERT INTO timers (incident_id, kind, due_at) SELECT id, 'talkdown', now() FROM incidents")
        await asyncio.wait_for(reached.wait(), 30)
    finally:
        started = time.monotonic()
        await hub_context.__aexit__(None, None, None)
        stopped_in = time.monotonic() - started
    print(f"\nstopped mid-verdict in {stopped_in:.2f} s")
    assert stopped_in < 8, f"the hub took {stopped_in:.1f} s to stop"  # its pool closes under 5 s timeouts

    escalated = await escalated_sites(db)
    assert len(escalated) == STOP_AT - 1 and set(escalated.values()) == {1}  # the stalled verdict rolled back
    assert await firmer_commands(db, hub.topics) == dict.fromkeys(escalated, 1)
    assert await fetch_value(db, "SELECT count(*) FROM timers WHERE kind = 'talkdown' AND fired_at IS NULL") == (
        SITES - len(escalated)
    )
    assert await fetch_value(db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") == 1

    # The next leader gives the remaining verdicts: each incident, one verdict and one firmer message.
    async with running_hub(settings):
        await eventually(lambda: _all_escalated(db), timeout=60)
    escalated = await escalated_sites(db)
    assert escalated == {f"site-{s:02d}": 1 for s in range(SITES)}
    assert await firmer_commands(db, hub.topics) == dict.fromkeys(escalated, 1)
    assert await fetch_value(db, "SELECT count(*) FROM incidents WHERE priority = 1") == SITES


async def _all_escalated(db: str) -> bool:
    return len(await escalated_sites(db)) == SITES
