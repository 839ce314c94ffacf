"""Guided response on a whole hub: the bank's panic steps come with the incident; a dispatch ticks its step by
itself, a click ticks another with its note; resolving with a required step open is refused until a reason is
given, and the reason is recorded on the timeline and in the audit log."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from simulators.districts import save_district, synthetic_district
from tests.integration.conftest import HubUnderTest, create_api_token, fetch_value, get_json
from tests.integration.test_lifecycle_rest import post

STEPS = [
    {
        "incident_kinds": ["panic", "duress"],
        "site_kinds": ["bank"],
        "steps": [
            {
                "id": "view_cameras",
                "label": {"zh-CN": "查看现场摄像机", "en": "View the cameras"},
                "done_by": "live_view",
            },
            {"id": "call_contact", "label": {"zh-CN": "联系单位负责人", "en": "Call the contact"}, "required": True},
            {"id": "dispatch", "label": {"zh-CN": "派警", "en": "Dispatch"}, "done_by": "dispatch", "required": True},
            {"id": "warn", "label": {"zh-CN": "现场喊话", "en": "Warn on site"}, "done_by": "warning"},
            {
                "id": "confirm_guard",
                "label": {"zh-CN": "与保安确认", "en": "Confirm with the guard"},
                "role": "officer",
            },
        ],
    },
    {"incident_kinds": ["panic"], "steps": [{"id": "other", "label": {"en": "Any site"}}]},
]


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    district = synthetic_district(sites=2, auto_dispatch=[])
    district["response_steps"] = STEPS
    return save_district(tmp_path / "district.yaml", district)


async def open_incident(hub: HubUnderTest, link: DeviceLink) -> int:
    await asyncio.to_thread(press, link, hub.topics, ButtonRef("site-01", "btn-01-0"))
    for _ in range(100):
        listed: Any = await get_json(f"{hub.http}/api/v1/incidents?state=open", hub.token)
        if listed["incidents"]:
            return int(listed["incidents"][0]["id"])
        await asyncio.sleep(0.05)
    raise AssertionError("no incident")


@pytest.fixture
def api(hub: HubUnderTest) -> str:
    return f"{hub.http}/api/v1"


@pytest.fixture
async def incident_id(hub: HubUnderTest, device_link: DeviceLink) -> int:
    """An incident opened by a press at site-01."""
    return await open_incident(hub, device_link)


def _marks(detail: dict[str, Any]) -> dict[str, Any]:
    return {step["id"]: step["done"] for step in detail["steps"]}


async def test_steps_tick_from_a_dispatch_and_a_click_and_an_open_required_step_needs_a_reason(
    hub: HubUnderTest, api: str, incident_id: int
) -> None:
    async with aiohttp.ClientSession(headers=hub.headers) as desk:
        detail: Any = await get_json(f"{api}/incidents/{incident_id}", hub.token)
        assert [s["id"] for s in detail["steps"]] == [
            "view_cameras",
            "call_contact",
            "dispatch",
            "warn",
            "confirm_guard",
        ]
        assert set(_marks(detail).values()) == {None}
        assert detail["steps"][4]["role"] == "officer" and detail["steps"][1]["label"]["zh-CN"] == "联系单位负责人"

        status, detail = await post(desk, f"{api}/incidents/{incident_id}/dispatch", {"officer_id": "o1"})
        assert status == 200
        dispatched = _marks(detail)["dispatch"]
        assert dispatched["automatic"] is True and dispatched["actor"] == f"token:{hub.token_name}"
        # The officer's app gets the officer's own steps with the dispatch.
        phone = await create_api_token(hub.settings.database_url or "", "officer", "phone-o1", "o1")
        mine: Any = await get_json(f"{api}/me/dispatches", phone)
        assert mine["dispatches"][0]["steps"] == [
            {"id": "confirm_guard", "label": STEPS[0]["steps"][4]["label"], "required": False, "done": False}
        ]

        status, refused = await post(desk, f"{api}/incidents/{incident_id}/resolve", {"disposition": "genuine"})
        assert (
            status == 409 and refused["error"]["code"] == "steps_open" and "call_contact" in refused["error"]["message"]
        )
        assert (
            await fetch_value(hub.settings.database_url or "", "SELECT state FROM incidents WHERE id = $1", incident_id)
            == "dispatched"
        )

        status, detail = await post(desk, f"{api}/incidents/{incident_id}/steps/call_contact", {"note": "行长已知悉"})
        assert status == 200
        called = _marks(detail)["call_contact"]
        assert (called["automatic"], called["note"]) == (False, "行长已知悉")
        status, _ = await post(desk, f"{api}/incidents/{incident_id}/steps/call_contact", {"note": "again"})
        assert status == 200  # a second click keeps the first mark
        detail = await get_json(f"{api}/incidents/{incident_id}", hub.token)
        assert _marks(detail)["call_contact"]["note"] == "行长已知悉"
        assert (await post(desk, f"{api}/incidents/{incident_id}/steps/no_such_step"))[0] == 404

        # All required steps done: resolving needs no reason.
        status, resolved = await post(desk, f"{api}/incidents/{incident_id}/resolve", {"disposition": "genuine"})
        assert status == 200 and resolved["state"] == "resolved"
    actions = [e["action"] for e in resolved["timeline"]]
    assert actions.count("step_done") == 2 and "steps_skipped" not in actions


async def test_resolving_with_a_required_step_open_records_the_reason(
    hub: HubUnderTest, api: str, incident_id: int
) -> None:
    async with aiohttp.ClientSession(headers=hub.headers) as desk:
        body = {"disposition": "false_alarm", "steps_reason": "保安电话确认误按"}
        status, resolved = await post(desk, f"{api}/incidents/{incident_id}/resolve", body)
    assert status == 200 and resolved["state"] == "resolved"
    skipped = [e for e in resolved["timeline"] if e["action"] == "steps_skipped"]
    assert len(skipped) == 1 and skipped[0]["reason"] == "call_contact, dispatch: 保安电话确认误按"
    detail = await fetch_value(
        hub.settings.database_url or "",
        "SELECT detail FROM audit_log WHERE action = 'incident.resolve' AND target = $1",
        f"incident:{incident_id}",
    )
    assert "保安电话确认误按" in str(detail) and "call_contact" in str(detail)


async def test_steps_racing_the_desks_actions_never_undo_them_and_are_marked_once(
    hub: HubUnderTest, api: str, incident_id: int
) -> None:
    async with aiohttp.ClientSession(headers=hub.headers) as desk:
        clicks = [
            post(desk, f"{api}/incidents/{incident_id}/steps/{step}", {"note": f"seat {n}"})
            for n in range(4)
            for step in ("call_contact", "confirm_guard")
        ]
        answers = await asyncio.gather(
            post(desk, f"{api}/incidents/{incident_id}/ack"),
            post(desk, f"{api}/incidents/{incident_id}/dispatch", {"officer_id": "o1"}),
            *clicks,
        )
    # A dispatch acknowledges too: an ack that comes after it is refused as already acknowledged.
    assert answers[0][0] in (200, 409) and [status for status, _ in answers[1:]] == [200] * (len(answers) - 1)
    db = hub.settings.database_url or ""
    row = await fetch_value(
        db, "SELECT row(state, acknowledged_at IS NOT NULL)::text FROM incidents WHERE id = $1", incident_id
    )
    assert row == "(dispatched,t)"
    marks = await fetch_value(
        db, "SELECT array_agg(step_id ORDER BY step_id) FROM incident_steps WHERE incident_id = $1", incident_id
    )
    assert marks == ["call_contact", "confirm_guard", "dispatch"]
    done = await fetch_value(
        db, "SELECT count(*) FROM incident_timeline WHERE incident_id = $1 AND action = 'step_done'", incident_id
    )
    assert done == 3
