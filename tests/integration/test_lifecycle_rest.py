"""Whole incidents through REST: the desk acknowledges, dispatches and resolves; the officer, signed
in to the app's API, signs on, sees the dispatch arrive live and answers it. Every action names who
did it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from tests.integration.conftest import HubUnderTest, bearer, create_api_token, fetch_value, get_json


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with session.post(url, json=body or {}) as response:
        return response.status, await response.json()


async def test_desk_and_officer_drive_an_incident_to_resolved_over_rest(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    officer_token = await create_api_token(db, "officer", "phone-o1", "o1")
    api = f"{hub.http}/api/v1"
    async with (
        aiohttp.ClientSession(headers=bearer(officer_token)) as phone,
        aiohttp.ClientSession(headers=hub.headers) as desk,
    ):
        assert (await post(phone, f"{api}/me/duty", {"on_duty": True}))[0] == 200
        assert (await post(phone, f"{api}/me/location", {"lat": 39.95, "lon": 116.45}))[0] == 200
        async with phone.ws_connect(f"{api}/me/stream") as ws:
            assert (await ws.receive_json(timeout=5))["type"] == "health"
            assert (await ws.receive_json(timeout=5)) == {"type": "snapshot", "dispatches": []}
            await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-01", "btn-01-0"))
            change = await ws.receive_json(timeout=5)
        dispatch = change["dispatch"]
        assert (dispatch["officer_id"], dispatch["state"], dispatch["site"]["id"]) == ("o1", "offered", "site-01")
        assert dispatch["site"]["navigation"].startswith("geo:")
        incident_id = dispatch["incident_id"]

        ranked = await get_json(f"{api}/incidents/{incident_id}/candidates", hub.token)
        first = ranked["candidates"][0]  # type: ignore[index]
        assert (first["officer_id"], first["rule"], first["available"], first["why_not"]) == (
            "o1",
            "grid",
            False,
            "busy",
        )
        assert 5000 < first["distance_m"] < 9000

        status, detail = await post(desk, f"{api}/incidents/{incident_id}/ack")
        assert status == 200 and detail["state"] == "dispatched" and detail["acknowledged_at"]
        status, again = await post(desk, f"{api}/incidents/{incident_id}/ack")
        # The refusal says, as data, who got there first and when (the console words it).
        assert status == 409 and again["error"]["code"] == "already_acknowledged"
        assert again["error"]["params"] == {
            "by": hub.token_name,
            "by_actor": f"token:{hub.token_name}",
            "at": detail["acknowledged_at"],
        }

        reply = f"{api}/me/dispatches/{dispatch['id']}/reply"
        for action in ("accept", "en_route", "on_scene"):
            status, answer = await post(phone, reply, {"action": action, "lat": 39.91, "lon": 116.41})
            assert status == 200, answer
        assert answer["incident_state"] == "on_scene"

        status, _ = await post(desk, f"{api}/incidents/{incident_id}/resolve", {"disposition": "solved"})
        assert status == 400
        status, done = await post(
            desk, f"{api}/incidents/{incident_id}/resolve", {"disposition": "false_alarm", "note": "误按"}
        )
        assert status == 200 and done["state"] == "resolved" and done["disposition"] == "false_alarm"
        status, late = await post(desk, f"{api}/incidents/{incident_id}/cancel", {"note": "重复"})
        assert status == 409 and late["error"]["code"] == "already_closed"
        assert late["error"]["params"]["state"] == "resolved"
        assert late["error"]["params"]["by_actor"] == f"token:{hub.token_name}"
        assert [e["reason_code"] for e in done["timeline"]][:2] == ["opened_by_device", "route_grid"]
        assert done["timeline"][1]["reason_params"] == {"officer": "o1"}
        assert done["timeline"][-1]["reason_params"] == {"disposition": "false_alarm", "note": "误按"}

        # The desk cannot use the officer's API, nor the officer the desk's.
        assert (await post(desk, f"{api}/me/duty", {"on_duty": False}))[0] == 403
        assert (await post(phone, f"{api}/incidents/{incident_id}/ack"))[0] == 403
        other = await create_api_token(db, "officer", "phone-o2", "o2")
        async with aiohttp.ClientSession(headers=bearer(other)) as stranger:
            status, refused = await post(stranger, reply, {"action": "resolved"})
            assert status in (403, 409), refused

    actors = await fetch_value(
        db,
        "SELECT array_agg(action || '@' || actor ORDER BY id) FROM incident_timeline WHERE incident_id = $1",
        incident_id,
    )
    assert actors[0].startswith("opened@device:") and actors[1] == "dispatch@system"  # type: ignore[index]
    assert actors[2:] == [  # type: ignore[index]
        f"acknowledge@token:{hub.token_name}",
        "accept@token:phone-o1",
        "en_route@token:phone-o1",
        "on_scene@token:phone-o1",
        f"resolve@token:{hub.token_name}",
    ]
    assert await fetch_value(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'incident.%'") == 2


async def test_roster_lists_shifts_gaps_and_who_is_signed_on(hub: HubUnderTest) -> None:
    await hub.running.lifecycle.sign_on("o2", True, "officer:o2")
    roster = await get_json(f"{hub.http}/api/v1/roster", hub.token)
    officers = {o["officer_id"]: o for o in roster["officers"]}  # type: ignore[index]
    assert officers["o2"]["signed_on"] and not officers["o1"]["signed_on"]
    # The test district has no roster at all: every grid and the desk are one week-long gap.
    assert {g["who"] for g in roster["gaps"]} == {"g0", "g1", "desk"}  # type: ignore[index]
