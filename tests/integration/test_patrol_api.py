"""Video patrol against a whole hub: a round of a tour with a view of each outcome (a warning sent and an incident
opened along the way), refusals, the supervisor's log and the report's coverage per shift agreeing with what was
logged. (The live view, relayed from a real camera simulator: test_patrol_live_view.py.)"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
import yaml
from aiohttp import web

from sentinel_dev.services import free_port
from simulators.camera.mjpeg import MjpegCamera, SceneSource
from simulators.camera.scenarios import SCENARIOS
from simulators.districts import synthetic_district
from tests.integration.conftest import HubUnderTest, bearer, create_api_token, fetch_value

ZONE = ZoneInfo("Asia/Shanghai")
TOUR = ["cam-00", "cam-01", "cam-02", "cam-03"]


def write_patrol_district(
    path: Path, camera_url: str, sites: int = 4, without_speakers: tuple[str, ...] = (), **options: Any
) -> Path:
    """The synthetic district with cam-00 streaming MJPEG from `camera_url`, cam-02 streaming RTSP (no live view),
    the others without a stream; a tour over the four cameras every 2 h, and a night tour. The sites named in
    `without_speakers` lose their loudspeaker."""
    raw = synthetic_district(sites=sites, **options)
    for site in raw["sites"]:
        if site["id"] in without_speakers:
            site["devices"] = [d for d in site["devices"] if d["kind"] != "speaker"]
        for device in site["devices"]:
            if device["id"] == "cam-00":
                device["camera"] = {"stream": camera_url}
            elif device["id"] == "cam-02":
                device["camera"] = {"stream": "rtsp://127.0.0.1:1/stream"}
    raw["patrol_tours"] = [
        {
            "id": "round",
            "name": "全辖区巡查",
            "name_en": "District round",
            "cameras": TOUR,
            "dwell_s": 8,
            "every": "2h",
        },
        {
            "id": "night",
            "name": "夜间巡查",
            "cameras": ["cam-00", "cam-01"],
            "schedule": [{"days": "all", "from": "20:00", "to": "08:00"}],
        },
    ]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@contextlib.asynccontextmanager
async def camera_simulator(port: int, fps: float = 10.0) -> AsyncIterator[MjpegCamera]:
    """The MJPEG camera simulator on 127.0.0.1:port, in this event loop."""
    camera = MjpegCamera(SceneSource(SCENARIOS["yard_intrusions"](), fps=fps))
    runner = web.AppRunner(camera.app(), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield camera
    finally:
        await runner.cleanup()


@pytest.fixture
def camera_port() -> int:
    return free_port()


@pytest.fixture
async def camera(camera_port: int) -> AsyncIterator[MjpegCamera]:
    async with camera_simulator(camera_port) as camera:
        yield camera


@pytest.fixture
def district_file(tmp_path: Path, camera_port: int) -> Path:
    return write_patrol_district(tmp_path / "district.yaml", f"http://127.0.0.1:{camera_port}/mjpeg")


async def call(hub: HubUnderTest, method: str, path: str, body: Any = None, headers: Any = None) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers=headers or hub.headers) as session,
        session.request(method, f"{hub.http}{path}", json=body) as response,
    ):
        return response.status, await response.json()


def expected_shift(moment: datetime) -> str:
    """Which shift a time falls in, worked out here: 08:00–20:00 is that day's day shift, 20:00–08:00 the night
    shift of the day it started."""
    local = moment.astimezone(ZONE)
    if 8 <= local.hour < 20:
        return f"{local.date().isoformat()} day"
    day = local.date() if local.hour >= 20 else local.date() - timedelta(days=1)
    return f"{day.isoformat()} night"


# ---- a round ---------------------------------------------------------------------------------------------


async def test_a_round_logs_each_outcome_and_the_log_and_the_report_agree(
    hub: HubUnderTest, camera: MjpegCamera
) -> None:
    db = hub.db
    status, listing = await call(hub, "GET", "/api/v1/patrol/tours")
    assert status == 200
    tours = {t["id"]: t for t in listing["tours"]}
    assert tours["round"]["state"] == "due" and tours["round"]["last_run"] is None  # never run
    assert tours["round"]["round_s"] == 32
    cameras = {c["id"]: c for c in tours["round"]["cameras"]}
    assert cameras["cam-00"]["live"] == "mjpeg" and cameras["cam-00"]["live_url"] == "/api/v1/cameras/cam-00/live"
    assert cameras["cam-01"]["live"] == "none" and cameras["cam-01"]["live_url"] is None
    assert cameras["cam-02"]["live"] == "rtsp" and cameras["cam-02"]["speakers"] == ["spk-02"]
    assert cameras["cam-03"]["site_name"] == "测试银行03"
    assert tours["night"]["schedule"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "20:00", "to": "08:00"}
    ]

    status, started = await call(hub, "POST", "/api/v1/patrol/runs", {"tour_id": "round"})
    assert status == 201
    run = started["run"]
    assert run["cameras"] == TOUR and run["finished_at"] is None and run["started_by"] == f"token:{hub.token_name}"
    assert run["shift"] == expected_shift(datetime.fromisoformat(run["started_at"]))
    views = f"/api/v1/patrol/runs/{run['id']}/views"

    # A warning at site-02 and an incident at site-03, as the console's buttons do before logging them.
    status, sent = await call(
        hub, "POST", "/api/v1/warnings", {"site_id": "site-02", "message_id": "leave-now", "lang": "zh-CN"}
    )
    assert status == 202
    warning_ids = [w["id"] for w in sent["warnings"]]
    status, opened = await call(
        hub, "POST", "/api/v1/incidents", {"site_id": "site-03", "priority": 2, "note": "两人翻越围墙"}
    )
    assert status == 201 and opened["created"] is True
    incident = opened["incident"]
    # Opened by the desk from what it saw: acknowledged by its author at once, never ringing.
    assert (incident["kind"], incident["priority"], incident["state"], incident["event_count"]) == (
        "patrol_observation",
        2,
        "acknowledged",
        0,
    )
    assert incident["acknowledged_at"] == incident["created_at"]
    opened_entry, acknowledged_entry = incident["timeline"][:2]
    assert opened_entry["action"] == "opened" and opened_entry["reason"] == "两人翻越围墙"
    assert opened_entry["reason_code"] == "opened_by_person"
    assert opened_entry["reason_params"] == {"kind": "patrol_observation", "note": "两人翻越围墙"}
    assert acknowledged_entry["action"] == "acknowledge" and acknowledged_entry["actor"] == opened_entry["actor"]

    logged = []
    for body in (
        {"camera_id": "cam-00", "outcome": "checked"},
        {"camera_id": "cam-01", "outcome": "observation", "note": "门口停着一辆面包车"},
        {"camera_id": "cam-02", "outcome": "warning_issued", "warning_ids": warning_ids},
        {"camera_id": "cam-03", "outcome": "incident_opened", "incident_id": incident["id"], "note": "已立案"},
    ):
        status, answer = await call(hub, "POST", views, body)
        assert status == 201, answer
        logged.append(answer["view"])
    assert [v["outcome"] for v in logged] == ["checked", "observation", "warning_issued", "incident_opened"]
    assert logged[2]["warning_ids"] == warning_ids and logged[2]["site_id"] == "site-02"
    assert logged[3]["incident_id"] == incident["id"]

    # The same site again: the open incident gets the note instead of a second incident.
    status, joined = await call(hub, "POST", "/api/v1/incidents", {"site_id": "site-03", "note": "人员已离开"})
    assert status == 200 and joined["created"] is False and joined["incident"]["id"] == incident["id"]
    assert joined["incident"]["timeline"][-1]["reason"] == "patrol_observation: 人员已离开"
    assert joined["incident"]["timeline"][-1]["reason_code"] == "patrol_note"
    status, raised = await call(hub, "POST", "/api/v1/incidents", {"site_id": "site-03", "priority": 1, "note": "持刀"})
    assert status == 200 and raised["incident"]["priority"] == 1
    assert [e["action"] for e in raised["incident"]["timeline"][-2:]] == ["note", "priority_raised"]

    # Refusals, each a JSON 4xx naming the problem.
    refusals = [
        ({"camera_id": "cam-00", "outcome": "looked"}, 400, "invalid_parameter"),
        ({"camera_id": "cam-00", "outcome": "observation"}, 400, "invalid_view"),
        ({"camera_id": "cam-04", "outcome": "checked"}, 400, "invalid_view"),
        ({"camera_id": "cam-00", "outcome": "warning_issued", "warning_ids": warning_ids}, 400, "warning_elsewhere"),
        ({"camera_id": "cam-02", "outcome": "warning_issued", "warning_ids": [999999]}, 400, "unknown_warning"),
        (
            {"camera_id": "cam-00", "outcome": "incident_opened", "incident_id": incident["id"]},
            400,
            "incident_elsewhere",
        ),
        ({"camera_id": "cam-00", "outcome": "incident_opened", "incident_id": 999999}, 400, "unknown_incident"),
        ({"camera_id": "cam-00", "outcome": "checked", "warning_ids": "1"}, 400, "invalid_parameter"),
        ({"camera_id": "cam-00", "outcome": "incident_opened", "incident_id": True}, 400, "invalid_parameter"),
        ({"outcome": "checked"}, 400, "invalid_parameter"),
        ([1, 2], 400, "invalid_json"),
    ]
    for body, expected_status, code in refusals:
        status, answer = await call(hub, "POST", views, body)
        assert (status, answer["error"]["code"]) == (expected_status, code), body
    assert (await call(hub, "POST", "/api/v1/patrol/runs/999999/views", {"camera_id": "cam-00", "outcome": "checked"}))[
        0
    ] == 404
    assert (await call(hub, "POST", "/api/v1/patrol/runs/abc/views", {}))[1]["error"]["code"] == "invalid_id"
    assert (await call(hub, "POST", "/api/v1/patrol/runs", {"tour_id": "nope"}))[0] == 404
    assert (await call(hub, "POST", "/api/v1/patrol/runs", {}))[0] == 400
    for body in (
        {"site_id": "nowhere"},
        {"site_id": "site-01", "priority": 7},
        {"site_id": "site-01", "kind": "Bad Kind"},
    ):
        assert (await call(hub, "POST", "/api/v1/incidents", body))[0] in (400, 404), body

    # Finish: what the round covered; finishing again changes nothing; a finished round takes no more views.
    status, finished = await call(hub, "POST", f"/api/v1/patrol/runs/{run['id']}/finish")
    assert status == 200
    assert finished["summary"] == {
        "views": 4,
        "cameras": 4,
        "cameras_viewed": TOUR,
        "cameras_missed": [],
        "by_outcome": {"checked": 1, "observation": 1, "warning_issued": 1, "incident_opened": 1},
    }
    assert finished["run"]["finished_at"] is not None
    again = await call(hub, "POST", f"/api/v1/patrol/runs/{run['id']}/finish")
    assert again[1]["run"]["finished_at"] == finished["run"]["finished_at"]
    status, answer = await call(hub, "POST", views, {"camera_id": "cam-00", "outcome": "checked"})
    assert (status, answer["error"]["code"]) == (409, "run_finished")

    status, listing = await call(hub, "GET", "/api/v1/patrol/tours")
    round_tour = next(t for t in listing["tours"] if t["id"] == "round")
    assert round_tour["state"] == "not_due" and round_tour["last_run"]["id"] == run["id"]
    assert round_tour["last_run"]["views"] == 4 and round_tour["open_runs"] == []
    due_again = datetime.fromisoformat(run["started_at"]) + timedelta(hours=2)
    assert datetime.fromisoformat(round_tour["next_due_at"]) == due_again

    # The supervisor's log: newest first; the desk may not read it.
    supervisor = bearer(await create_api_token(db, role="supervisor"))
    status, log = await call(hub, "GET", "/api/v1/patrol/log", headers=supervisor)
    assert status == 200
    assert [v["id"] for v in log["views"]] == [v["id"] for v in reversed(logged)]
    assert {v["tour_id"] for v in log["views"]} == {"round"} and log["views"][-1]["camera_label"] == ""
    status, only = await call(hub, "GET", "/api/v1/patrol/log?camera=cam-01", headers=supervisor)
    assert [v["note"] for v in only["views"]] == ["门口停着一辆面包车"]
    assert (await call(hub, "GET", "/api/v1/patrol/log"))[0] == 403
    for bad in ("?limit=0", "?from=2026-13-01", "?camera=a%20b", "?since=2026-01-01", "?from=2026-10-02&to=2026-10-01"):
        assert (await call(hub, "GET", "/api/v1/patrol/log" + bad, headers=supervisor))[0] == 400, bad

    # The report's coverage for the days around now agrees with what was logged.
    today = datetime.now(ZONE).date()
    query = f"?period=custom&from={(today - timedelta(days=1)).isoformat()}&to={today.isoformat()}"
    status, report = await call(hub, "GET", "/api/v1/reports" + query, headers=supervisor)
    assert status == 200 and report["sections_not_available"] == []
    coverage = report["patrol_coverage"]
    shift = next(
        s for s in coverage["shifts"] if s["shift"] == expected_shift(datetime.fromisoformat(run["started_at"]))
    )
    assert (shift["cameras_checked"], shift["cameras_expected"], shift["coverage"]) == (4, 4, 1.0)
    assert shift["views"] == 4 and shift["runs"] == 1 and shift["staff"] == [f"token:{hub.token_name}"]
    assert shift["by_outcome"] == {"checked": 1, "observation": 1, "warning_issued": 1, "incident_opened": 1}
    assert sum(s["views"] for s in coverage["shifts"]) == 4
    assert coverage["summary"]["shifts_patrolled"] == 1 and coverage["summary"]["shifts_fully_covered"] == 1
    assert {c["camera_id"]: c["shifts_checked"] for c in coverage["cameras"]} == dict.fromkeys(TOUR, 1)

    # Every action is audited, and the log is append-only whatever the hub does.
    actions = await fetch_value(
        db,
        "SELECT array_agg(action ORDER BY id) FROM audit_log WHERE action LIKE 'patrol.%' OR action LIKE 'incident.%'",
    )
    assert actions == [
        "patrol.start",
        "incident.open",
        "patrol.view",
        "patrol.view",
        "patrol.view",
        "patrol.view",
        "incident.join",
        "incident.join",
        "patrol.finish",
    ]
    conn = await asyncpg.connect(db)
    try:
        for sql in ("UPDATE patrol_views SET note = 'x'", "DELETE FROM patrol_views", "DELETE FROM patrol_runs"):
            with pytest.raises(asyncpg.RaiseError):
                await conn.execute(sql)
        with pytest.raises(asyncpg.RaiseError):
            await conn.execute("UPDATE patrol_runs SET finished_at = now()")
    finally:
        await conn.close()


async def test_officers_may_not_patrol_and_the_desk_may(hub: HubUnderTest) -> None:
    assert hub.settings.database_url
    officer = bearer(await create_api_token(hub.settings.database_url, role="officer", officer_id="o1"))
    for method, path in (
        ("GET", "/api/v1/patrol/tours"),
        ("POST", "/api/v1/patrol/runs"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/cameras/cam-00/snapshot"),
    ):
        status, answer = await call(hub, method, path, {"tour_id": "round"}, headers=officer)
        assert (status, answer["error"]["code"]) == (403, "forbidden"), path
    async with aiohttp.ClientSession() as anonymous, anonymous.get(f"{hub.http}/api/v1/cameras/cam-00/live") as r:
        assert r.status == 401
