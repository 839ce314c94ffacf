"""The console's reads and notes against a whole hub on PostgreSQL: device health from supervision
and status reports, the supervisor's history search, and notes on the timeline."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from devices.link import DeviceLink
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.config import load_district
from hub.domain.lifecycle import Disposition
from hub.services.ports import IncidentSearch
from simulators.button import ButtonRef, press
from tests.integration.conftest import HubUnderTest, bearer, create_api_token, eventually, fetch_value


async def get(url: str, token: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession(headers=bearer(token)) as session, session.get(url) as response:
        return response.status, await response.json()


async def incident_of(hub: HubUnderTest, site: str) -> int:
    assert hub.settings.database_url
    found = await eventually(
        lambda: fetch_value(hub.settings.database_url, "SELECT id FROM incidents WHERE site_id = $1", site)  # type: ignore[arg-type]
    )
    return int(found)  # type: ignore[arg-type]


async def test_device_health_tells_heard_silent_and_faulty_devices_apart(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    status = {"state": "online", "ts": datetime.now(UTC).isoformat(), "battery": 9, "rssi": -70, "firmware": "1.2"}
    await asyncio.to_thread(
        device_link.publish_and_wait,
        hub.topics.device_status("site-02", "button", "btn-02-1"),
        json.dumps(status).encode(),
    )
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-03", "btn-03-0"), "tamper")
    tamper = await incident_of(hub, "site-03")
    url = f"{hub.http}/api/v1/devices/health"

    async def reported() -> dict[str, Any] | None:
        status_code, body = await get(url, hub.token)
        assert status_code == 200
        devices = {d["id"]: d for d in body["devices"]}
        return body if devices["btn-02-1"]["heard"] and devices["btn-03-0"]["faults"] else None

    body = await eventually(reported)
    devices = {d["id"]: d for d in body["devices"]}
    assert len(devices) == 70
    low = devices["btn-02-1"]
    assert (low["state"], low["battery"], low["low_battery"], low["rssi"], low["firmware"]) == (
        "online",
        9,
        True,
        -70,
        "1.2",
    )
    assert low["faults"] == ["low_battery"] and low["last_seen_at"]
    tampered = devices["btn-03-0"]
    assert tampered["state"] == "online" and tampered["faults"] == ["tamper"]
    assert tampered["open_faults"] == [
        {"type": "tamper", "incident_id": tamper, "since": tampered["open_faults"][0]["since"]}
    ]
    silent = devices["btn-04-0"]
    assert (silent["state"], silent["heard"], silent["last_seen_at"], silent["faults"]) == (
        "never_heard",
        False,
        None,
        ["never_heard"],
    )
    assert body["summary"]["total"] == 70
    assert body["summary"]["low_battery"] == 1


async def test_the_history_search_filters_pages_and_needs_a_supervisor(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    lifecycle = hub.running.lifecycle
    for site in ("site-01", "site-02", "site-03"):
        await asyncio.to_thread(press, device_link, hub.topics, ButtonRef(site, f"btn-{site[-2:]}-0"))
    first, second, third = [await incident_of(hub, s) for s in ("site-01", "site-02", "site-03")]

    await lifecycle.resolve(first, "user:zhang", Disposition.FALSE_ALARM, "误按")
    await lifecycle.cancel(second, "user:zhang", "drill")
    conn = await asyncpg.connect(db)
    try:  # as if the unacknowledged third had escalated
        await conn.execute("UPDATE incidents SET escalation_count = 2, escalated_at = now() WHERE id = $1", third)
    finally:
        await conn.close()
    supervisor = await create_api_token(db, "supervisor", "sup-token")
    search = f"{hub.http}/api/v1/incidents/search"

    status, body = await get(search, supervisor)
    assert status == 200
    assert [i["id"] for i in body["incidents"]] == [third, second, first]  # newest first
    assert body["total"] == 3

    async def ids(query: str) -> list[int]:
        status, body = await get(f"{search}?{query}", supervisor)
        assert status == 200, body
        return [i["id"] for i in body["incidents"]]

    assert await ids("site=site-02") == [second]
    assert await ids("state=open") == [third]
    assert await ids("state=closed") == [second, first]
    assert await ids("disposition=false_alarm") == [first]
    assert await ids("kind=panic&escalated=true") == [third]
    assert await ids("escalated=false") == [second, first]
    today = datetime.now(UTC).astimezone().date()
    assert len(await ids(f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}")) == 3
    assert await ids(f"to={today - timedelta(days=2)}") == []
    status, page = await get(f"{search}?limit=2&offset=2", supervisor)
    assert [i["id"] for i in page["incidents"]] == [first] and page["total"] == 3
    assert page["incidents"][0]["site_name"] == "测试银行01"

    status, refused = await get(search, hub.token)  # the duty desk's token
    assert status == 403 and refused["error"]["code"] == "forbidden"
    status, bad = await get(f"{search}?state=finished", supervisor)
    assert status == 400 and bad["error"]["code"] == "invalid_parameter"


async def test_search_values_are_parameters_never_sql(hub: HubUnderTest, device_link: DeviceLink) -> None:
    db = hub.db
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-01", "btn-01-0"))
    await incident_of(hub, "site-01")
    pool = await asyncpg.create_pool(db, min_size=1, max_size=2)
    try:
        queries = PostgresIncidentQueries(pool, load_district(hub.settings.district_file))
        found, total = await queries.search_incidents(IncidentSearch(site_id="site-01' OR '1'='1"))
        assert (found, total) == ([], 0)
        found, total = await queries.search_incidents(IncidentSearch(kind="panic'; DROP TABLE incidents; --"))
        assert (found, total) == ([], 0)
        assert await pool.fetchval("SELECT count(*) FROM incidents") == 1
    finally:
        await pool.close()


async def test_a_note_goes_on_the_timeline_with_its_author_and_is_pushed_live(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-05", "btn-05-0"))
    incident_id = await incident_of(hub, "site-05")
    api = f"{hub.http}/api/v1"
    async with aiohttp.ClientSession(headers=hub.headers) as desk, desk.ws_connect(f"{api}/stream") as ws:
        assert (await ws.receive_json(timeout=5))["type"] == "health"
        snapshot = await ws.receive_json(timeout=5)
        assert snapshot["type"] == "snapshot"
        async with desk.post(f"{api}/incidents/{incident_id}/notes", json={"text": "  已电话联系保安  "}) as response:
            assert response.status == 200
            detail = await response.json()
        while True:  # the change reaches the console's stream
            change = await ws.receive_json(timeout=5)
            if change.get("type") == "incident" and change["incident"]["id"] == incident_id:
                break
        async with desk.post(f"{api}/incidents/999999/notes", json={"text": "nobody"}) as missing:
            assert missing.status == 404
    note = detail["timeline"][-1]
    assert (note["action"], note["reason"]) == ("note", "已电话联系保安")
    assert note["actor"] == f"token:{hub.token_name}"
    assert note["from_state"] == note["to_state"] == detail["state"]
    audit = await fetch_value(db, "SELECT detail->>'text' FROM audit_log WHERE action = 'incident.note'")
    assert audit == "已电话联系保安"


async def test_the_district_endpoint_gives_the_targets_the_clocks_use(hub: HubUnderTest) -> None:
    status, body = await get(f"{hub.http}/api/v1/district", hub.token)

    assert status == 200
    assert body["targets"][0] == {"priority": 1, "ack_s": 30, "accept_s": 60, "arrival_s": 600}
    assert {g["id"]: g["officer_id"] for g in body["grids"]} == {"g0": "o0", "g1": "o1"}
    assert "site-01" in next(g for g in body["grids"] if g["id"] == "g1")["site_ids"]
