"""The routine lane in a process of its own, as the hub reports it (docs/design.md, "Processes"): starting, up and
down in /readyz, in the streams' health frames and in the log; not ready while it has no broker session; and what
it refuses and stores counted in the hub's /metrics. (Its restarts and durability: test_routine_process.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from pathlib import Path

import aiohttp

from devices.link import DeviceLink
from devices.mqtt_url import parse_mqtt_url
from hub.app import Hub, RunningHub
from hub.config import Settings, load_district
from tests.integration.conftest import (
    bearer,
    create_api_token,
    eventually,
    fetch_value,
    hub_process,
    running_hub,
    stop_hub_process,
)
from tests.integration.test_routine_process import motion, readiness, routine_apart, routine_children


def routine_entry(dependencies: object) -> dict[str, object] | None:
    """The routine process's entry in a health frame's or /readyz's dependencies (None: not in it)."""
    assert isinstance(dependencies, list)
    found = [d for d in dependencies if d["name"] == "routine_process"]
    return found[0] if found else None


async def health_frames_until(ws: aiohttp.ClientWebSocketResponse, state: str, seen: list[dict[str, object]]) -> None:
    """Read the stream's frames, keeping its health frames in `seen`, until one says the routine process is `state`."""
    while True:
        message = await ws.receive_json(timeout=30)
        if message["type"] != "health":
            continue
        seen.append(message)
        entry = routine_entry(message["dependencies"])
        if entry is not None and entry["state"] == state:
            return


async def test_the_routine_process_starting_with_the_hub_is_starting_not_down_and_a_killed_one_is_down(
    hub_settings: Settings, tmp_path: Path
) -> None:
    settings = routine_apart(hub_settings)
    db, http = settings.database_url, settings.http
    assert db
    desk_token = await create_api_token(db)
    officer_token = await create_api_token(db, "officer", "phone-o1", "o1")
    log_path = tmp_path / "hub.log"
    answers: list[tuple[int, dict[str, object]]] = []  # every /readyz answer from the first to "up"
    desk_frames: list[dict[str, object]] = []
    officer_frames: list[dict[str, object]] = []

    async def readiness_until_up(session: aiohttp.ClientSession) -> None:
        while True:
            with contextlib.suppress(aiohttp.ClientConnectionError):
                async with session.get(f"http://{http}/readyz") as response:
                    answers.append((response.status, await response.json()))
                    entry = routine_entry(answers[-1][1]["dependencies"])
                    if entry is not None and entry["state"] == "up":
                        return
            await asyncio.sleep(0.05)

    async def answered() -> bool:
        return bool(answers)

    hub = hub_process(settings, log_path)
    try:
        async with aiohttp.ClientSession() as session:
            polling = asyncio.create_task(readiness_until_up(session))
            await eventually(answered, timeout=60, interval=0.02)
            async with (
                session.ws_connect(f"http://{http}/api/v1/stream", headers=bearer(desk_token)) as desk,
                session.ws_connect(f"http://{http}/api/v1/me/stream", headers=bearer(officer_token)) as phone,
            ):
                await asyncio.wait_for(polling, 60)
                await health_frames_until(desk, "up", desk_frames)
                await health_frames_until(phone, "up", officer_frames)
                started_log = log_path.read_text()

                [child] = routine_children(hub.pid)
                os.kill(child, signal.SIGKILL)
                after_kill: list[dict[str, object]] = []
                await asyncio.wait_for(health_frames_until(desk, "down", after_kill), 15)
                async with session.get(f"http://{http}/readyz") as response:
                    status, body = response.status, await response.json()
                await asyncio.wait_for(health_frames_until(desk, "up", after_kill), 30)  # restarted
    finally:
        stop_hub_process(hub)

    states = [routine_entry(answer["dependencies"]) for _, answer in answers]
    assert [entry for entry in states if entry and entry["state"] == "down"] == [], answers
    # Seen starting, no outage; the hub not ready meanwhile (a routine message might find no session yet).
    codes = [code for code, _ in answers]
    while_starting = [c for c, e in zip(codes, states, strict=True) if e and e["state"] == "starting"]
    assert while_starting and set(while_starting) == {503}, answers
    assert codes[-1] == 200, answers
    for frames in (desk_frames, officer_frames):
        first = frames[0]
        assert first["ok"] is True, first
        assert (routine_entry(first["dependencies"]) or {}).get("state") in (None, "starting", "up"), first
        assert all((routine_entry(f["dependencies"]) or {}).get("up") is not False for f in frames), frames
    assert "dependency down" not in started_log, started_log[-3000:]

    # Killed: down in the frame, in /readyz and in the log, until the restarted one ticks.
    down = [routine_entry(f["dependencies"]) for f in after_kill]
    assert [entry["up"] for entry in down if entry] == [False, True], after_kill
    assert status == 503 and "routine_process" in body["failing"], body
    assert (routine_entry(body["dependencies"]) or {}).get("state") == "down", body
    assert "dependency down" in log_path.read_text()


async def test_the_hub_is_not_ready_while_its_routine_process_has_no_broker_session(hub_settings: Settings) -> None:
    """A routine process that cannot sign in to the broker (its account missing, its password wrong) ticks on,
    yet takes no heartbeat, speaker ack or officer's reply: /readyz must say so, as it says when the main
    process's own broker link is down. Once it is subscribed, a routine message sent the moment the hub is
    ready would otherwise find no session at the broker, and be lost (a first start's session is new)."""
    settings = routine_apart(hub_settings)
    assert settings.mqtt_url
    wrong = parse_mqtt_url(settings.mqtt_url)
    refused = settings.model_copy(
        update={"routine_mqtt_url": f"mqtt://{wrong.username}:not-the-password@{wrong.host}:{wrong.port}"}
    )
    started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(Hub(refused, load_district(refused.district_file)).run(started))
    try:
        running = await asyncio.wait_for(started, 60)
        http = running.http_url.removeprefix("http://")
        await eventually(lambda: only_routine_failing(http), timeout=30)
        # Long enough for its process to start (about 2 s), tick and be refused by the broker again and again.
        for _ in range(25):
            assert await only_routine_failing(http), "ready (or failing otherwise) without a routine lane"
            await asyncio.sleep(0.2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def only_routine_failing(http: str) -> bool:
    return (await readiness(http)).get("failing") == ["routine_process"]


async def metric_sum(http: str, name: str) -> float:
    """The sum of a metric's samples on the hub's /metrics (every label)."""
    async with aiohttp.ClientSession() as session, session.get(f"http://{http}/metrics") as response:
        text = await response.text()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + " ", name + "{")))


async def test_the_hubs_metrics_count_what_its_routine_process_refused_and_stored(hub_settings: Settings) -> None:
    """An operator alerts on /metrics: the messages the routine process refuses (a bad heartbeat, a reply from
    nobody) and the camera events it stores count there, as they do when one process does everything."""
    async with running_hub(routine_apart(hub_settings)) as hub:
        http = hub.http.removeprefix("http://")
        link = DeviceLink(hub.settings.mqtt_url or "", f"bad-{uuid.uuid4().hex[:6]}").connect()
        try:
            link.publish_and_wait(hub.topics.device_status("site-01", "button", "btn-01-0"), b'{"state": "sleepy"}')
            link.publish_and_wait(hub.topics.officer_reply("nobody"), b'{"dispatch_id": "1"}')
            link.publish_and_wait(hub.topics.camera_event("site-01", "cam-01"), motion(0, "counted"))
        finally:
            link.close()
        await eventually(lambda: fetch_value(hub.db, "SELECT count(*) = 2 FROM dead_letters"))

        async def counted() -> bool:
            rejected = await metric_sum(http, "sentinel_messages_rejected_total")
            stored = await metric_sum(http, "sentinel_events_stored_total")
            return rejected == 2 and stored == 1

        await eventually(counted, timeout=5)
