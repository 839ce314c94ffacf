"""Talk-down with a verdict end to end (hub.domain.talkdown): a camera (a device publishing over MQTT)
reports an intruder, a rule warns, the speaker plays it, and the hub watches the zone for the window:
the intruder who leaves closes the incident as deterred with before and after snapshots; the one who
stays gets the incident raised, the grid's officer dispatched and a firmer message."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devices.link import DeviceLink
from hub.config import Settings
from simulators.districts import save_district, synthetic_district
from simulators.speaker import SpeakerSimulator
from tests.integration.camera_media import jpeg
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub

WINDOW_S = 6
SITE, CAMERA = "site-01", "cam-01"  # site-01 is in grid g1: officer o1; its speaker spk-01 is the `speaker` fixture


def save_talkdown_district(path: Path, talkdown: dict[str, Any], **more: Any) -> Path:
    """Two sites with a button each, a warning on intrusions in the yard, and the talk-down rule `talkdown`."""
    yard = {"id": "yard", "event": "intrusion", "message": "leave-now", "repeat": 1, "cooldown_s": 300}
    district = synthetic_district(sites=2, buttons_per_site=1, warning_rules=[yard], **more)
    district["talkdown"] = [talkdown]
    return save_district(path, district)


@pytest.fixture
def talkdown_district(tmp_path: Path) -> Path:
    rule = {"id": "banks", "site_kinds": ["bank"], "window_s": WINDOW_S, "firmer_message": "police-coming"}
    return save_talkdown_district(tmp_path / "talkdown.yaml", rule)


@pytest.fixture
async def hub(hub_settings: Settings, talkdown_district: Path) -> AsyncIterator[HubUnderTest]:
    async with running_hub(hub_settings, talkdown_district) as running:
        yield running


async def camera_says(hub: HubUnderTest, link: DeviceLink, event_id: str, kind: str, **fields: Any) -> None:
    body = {"event_id": event_id, "type": kind, "zone": "yard", "ts": datetime.now(UTC).isoformat(), **fields}
    body["snapshot"] = base64.b64encode(jpeg()).decode()
    topic = hub.topics.camera_event(SITE, CAMERA)
    await asyncio.to_thread(link.publish_and_wait, topic, json.dumps(body).encode())


async def rows(db: str, sql: str, *args: object) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(db)
    try:
        return [dict(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def first_done(db: str) -> datetime:
    done = await eventually(
        lambda: fetch_value(db, "SELECT min(finished_at) FROM warnings WHERE state = 'done' AND rule_id = 'yard'"), 20
    )
    assert isinstance(done, datetime)
    return done


async def verdict_entry(db: str, code: str) -> dict[str, Any]:
    async def found() -> list[dict[str, Any]]:
        return await rows(db, "SELECT at, reason_params AS params FROM incident_timeline WHERE reason_code = $1", code)

    entries = await eventually(found, timeout=WINDOW_S + 15)
    assert len(entries) == 1
    params = entries[0]["params"]
    return {"at": entries[0]["at"], **(json.loads(params) if isinstance(params, str) else params)}


async def an_intruder_warned_off(hub: HubUnderTest, link: DeviceLink) -> tuple[datetime, dict[str, Any]]:
    """An intruder warned by the rule leaves after the warning: (when the warning finished, the verdict entry)."""
    db = hub.db
    await camera_says(hub, link, "in-1", "intrusion")
    done_at = await first_done(db)
    await camera_says(hub, link, "left-1", "presence", present=False)
    return done_at, await verdict_entry(db, "talkdown_deterred")


async def test_an_intruder_who_leaves_after_the_warning_closes_the_incident_as_deterred_with_snapshots(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink
) -> None:
    db = hub.db
    done_at, entry = await an_intruder_warned_off(hub, device_link)
    assert abs((entry["at"] - done_at).total_seconds() - WINDOW_S) <= 1.0, (entry["at"], done_at)
    assert entry["seconds"] == WINDOW_S and entry["reason"] == "left"
    snapshots = await rows(
        db,
        "SELECT m.id, e.event_id FROM media m JOIN events e ON e.id = m.event_pk WHERE m.kind = 'snapshot'",
    )
    by_event = {r["event_id"]: r["id"] for r in snapshots}
    assert (entry["before"], entry["after"]) == (by_event["in-1"], by_event["left-1"])
    incident = (await rows(db, "SELECT state, disposition, priority FROM incidents"))[0]
    assert incident == {"state": "resolved", "disposition": "deterred", "priority": 2}
    assert await fetch_value(db, "SELECT count(*) FROM dispatches") == 0
    audit = await fetch_value(db, "SELECT detail->>'after' FROM audit_log WHERE action = 'incident.talkdown_deterred'")
    assert audit == str(by_event["left-1"])
    assert [p.text for p in speaker.played] == ["这里是公安视频监控区域，请立即离开。"]  # no second message


async def test_an_intruder_who_stays_is_escalated_dispatched_and_warned_again_more_firmly(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink
) -> None:
    db = hub.db
    await hub.running.lifecycle.sign_on("o1", True, "officer:o1")
    await camera_says(hub, device_link, "in-1", "intrusion")
    done_at = await first_done(db)
    entry = await verdict_entry(db, "talkdown_failed")
    assert abs((entry["at"] - done_at).total_seconds() - WINDOW_S) <= 1.0, (entry["at"], done_at)
    assert (entry["reason"], entry["from"], entry["to"]) == ("still_present", 2, 1)
    incident = (await rows(db, "SELECT state, priority FROM incidents"))[0]
    assert incident["priority"] == 1 and incident["state"] in ("dispatched", "accepted")
    assert await fetch_value(db, "SELECT officer_id FROM dispatches") == "o1"  # the grid's officer
    await eventually(
        lambda: fetch_value(db, "SELECT state = 'done' FROM warnings WHERE rule_id = 'talkdown:banks'"), timeout=20
    )
    assert [p.text for p in speaker.played][-1] == "警方正在赶来，请保持冷静。"
    await asyncio.sleep(WINDOW_S + 1)  # the firmer message gets no verdict of its own
    assert await fetch_value(db, "SELECT count(*) FROM incident_timeline WHERE reason_code LIKE 'talkdown_%'") == 2
    assert await fetch_value(db, "SELECT count(*) FROM audit_log WHERE action = 'incident.talkdown_failed'") == 1


async def test_an_intruder_who_returns_within_the_window_is_escalated(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink
) -> None:
    db = hub.db
    await camera_says(hub, device_link, "in-1", "intrusion")
    await first_done(db)
    await camera_says(hub, device_link, "left-1", "presence", present=False)
    await asyncio.sleep(1)
    await camera_says(hub, device_link, "back-1", "presence", present=True)
    await camera_says(hub, device_link, "left-2", "presence", present=False)
    entry = await verdict_entry(db, "talkdown_failed")
    assert entry["reason"] == "returned"
    assert await fetch_value(db, "SELECT priority FROM incidents") == 1
    # The firmer message was written with the verdict, in its transaction (the hub may stop at any moment now).
    assert await fetch_value(db, "SELECT count(*) FROM warnings WHERE rule_id = 'talkdown:banks'") == 1
