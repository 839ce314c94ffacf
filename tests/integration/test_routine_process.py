"""The routine lane in a process of its own (docs/design.md, "Processes"): the hub restarts it when it
dies, a kill -9 loses and doubles nothing, and a panic does not wait for its backlog."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from devices.contract import CameraEvent, CameraEventType, DeviceState, Topics, encode
from devices.link import DeviceLink, status_payload
from devices.mqtt_url import parse_mqtt_url
from hub.app import Hub, RunningHub
from hub.config import Settings, load_district
from simulators.button import press_payload
from tests.integration.conftest import (
    bearer,
    create_api_token,
    eventually,
    fetch_value,
    hub_process,
    incident_on_stream,
    process_ready,
    running_hub,
    stop_hub_process,
)

CAMERAS = [(f"site-{s:02d}", f"cam-{s:02d}") for s in range(10)]
BUTTONS = [(f"site-{s:02d}", f"btn-{s:02d}-{b}") for s in range(10) for b in range(5)]
CAMERA_EVENTS = "SELECT count(*) FROM events WHERE device_id LIKE 'cam-%'"
CAMERA_EVENTS_AT_LEAST = "SELECT count(*) >= {} FROM events WHERE device_id LIKE 'cam-%'"
DISTINCT_CAMERA_EVENTS = "SELECT count(DISTINCT event_id) FROM events WHERE device_id LIKE 'cam-%'"


def routine_apart(settings: Settings) -> Settings:
    """The routine lane in a process of its own (the test broker binds no client id to its account)."""
    return settings.model_copy(update={"routine_process": True, "routine_mqtt_url": settings.mqtt_url})


def routine_children(pid: int) -> list[int]:
    """The `sentinel routine` processes whose parent is `pid`."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and b"routine" in (entry / "cmdline").read_bytes():
                children.append(int(entry.name))
    return children


def runs(pid: int) -> bool:
    """Whether the process exists and is not a zombie (one nobody reaps runs no more)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def motion(n: int, tag: str) -> bytes:
    return encode(CameraEvent(event_id=f"{tag}-{n}", type=CameraEventType.MOTION, ts=datetime.now(UTC)))


def publish_routine_load(url: str, topics: Topics, events: int, tag: str, per_second: float | None) -> None:
    """`events` camera motion events, each after ten heartbeats, paced at `per_second` events (None: at once)."""
    link = DeviceLink(url, f"routine-load-{uuid.uuid4().hex[:6]}", max_inflight=20_000).connect()
    try:
        heartbeat = status_payload(DeviceState.ONLINE, battery=90)
        started = time.perf_counter()
        infos = []
        for n in range(events):
            for k in range(10):
                site, device = BUTTONS[(n * 10 + k) % len(BUTTONS)]
                infos.append(link.publish(topics.device_status(site, "button", device), heartbeat))
            site, camera = CAMERAS[n % len(CAMERAS)]
            infos.append(link.publish(topics.camera_event(site, camera), motion(n, tag)))
            if per_second is not None:
                time.sleep(max(0.0, started + (n + 1) / per_second - time.perf_counter()))
        for info in infos:
            info.wait_for_publish(60)
        assert all(info.is_published() for info in infos)
    finally:
        link.close()


async def until_routine_session(settings: Settings) -> None:
    """Heartbeats until the routine process has stored one: its session exists and is subscribed."""
    db = settings.database_url
    assert settings.mqtt_url and db
    topics = Topics(settings.topic_prefix)
    link = DeviceLink(settings.mqtt_url, f"probe-{uuid.uuid4().hex[:6]}").connect()
    try:

        async def heard() -> bool:
            link.publish(topics.device_status("site-00", "button", "btn-00-0"), status_payload(DeviceState.ONLINE))
            return bool(await fetch_value(db, "SELECT count(*) FROM device_status"))

        await eventually(heard, timeout=60, interval=0.5)
    finally:
        link.close()


async def load_under_way(settings: Settings, events: int, tag: str, per_second: float) -> threading.Thread:
    """`publish_routine_load` in a thread, returned once a tenth of its camera events are stored."""
    assert settings.mqtt_url and settings.database_url
    db = settings.database_url
    topics = Topics(settings.topic_prefix)
    load = threading.Thread(target=publish_routine_load, args=(settings.mqtt_url, topics, events, tag, per_second))
    load.start()
    await eventually(lambda: fetch_value(db, CAMERA_EVENTS_AT_LEAST.format(events // 10)), timeout=30, interval=0.01)
    return load


async def replaced(hub_pid: int, first: int) -> bool:
    """Whether the hub runs a routine process other than `first`."""
    return any(pid != first for pid in routine_children(hub_pid))


async def assert_all_stored_once(db: str, load: threading.Thread, events: int) -> None:
    """Once the load is published: each of its camera events stored exactly once, nothing refused."""
    await asyncio.to_thread(load.join, 120)
    await eventually(lambda: fetch_value(db, CAMERA_EVENTS_AT_LEAST.format(events)), timeout=120)
    await asyncio.sleep(1.0)  # anything redelivered late must not add to it
    assert await fetch_value(db, CAMERA_EVENTS) == events
    assert await fetch_value(db, DISTINCT_CAMERA_EVENTS) == events
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0


async def test_a_routine_process_killed_under_heartbeat_load_is_restarted_and_loses_and_doubles_nothing(
    hub_settings: Settings, tmp_path: Path
) -> None:
    settings = routine_apart(hub_settings)
    db, url = settings.database_url, settings.mqtt_url
    assert db and url
    hub = hub_process(settings, tmp_path / "hub.log")
    try:
        await eventually(lambda: process_ready(settings.http), timeout=60)
        await until_routine_session(settings)
        [first] = routine_children(hub.pid)
        events = 3000  # with 30,000 heartbeats, at 300 events (3,000 messages) a second
        load = await load_under_way(settings, events, "kill", 300.0)
        os.kill(first, signal.SIGKILL)
        killed_at = await fetch_value(db, CAMERA_EVENTS)
        assert load.is_alive(), "the load ended before the kill: the test proves nothing"
        await eventually(lambda: replaced(hub.pid, first), timeout=30)
        assert isinstance(killed_at, int) and killed_at < events
        await assert_all_stored_once(db, load, events)
        assert hub.poll() is None, "the hub went down with its routine process"
        [second] = routine_children(hub.pid)
    finally:
        stop_hub_process(hub)
    assert hub.returncode == 0, (tmp_path / "hub.log").read_text()[-3000:]
    assert second not in routine_children(hub.pid), "the routine process outlived the hub"


async def readiness(http: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as session, session.get(f"http://{http}/readyz") as response:
        body = await response.json()
        assert isinstance(body, dict)
        return body


async def metric(http: str, name: str) -> float | None:
    async with aiohttp.ClientSession() as session, session.get(f"http://{http}/metrics") as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def test_a_frozen_routine_process_is_killed_and_restarted_by_the_watchdog_and_loses_and_doubles_nothing(
    hub_settings: Settings, tmp_path: Path
) -> None:
    settings = routine_apart(hub_settings)
    db, url, http = settings.database_url, settings.mqtt_url, settings.http
    assert db and url
    hub = hub_process(settings, tmp_path / "hub.log")
    try:
        await eventually(lambda: process_ready(http), timeout=60)
        await until_routine_session(settings)
        assert await metric(http, "sentinel_routine_process_up") == 1.0
        assert await metric(http, "sentinel_routine_process_restarts_total") == 0.0
        [first] = routine_children(hub.pid)
        events = 2000  # with 20,000 heartbeats, at 200 events (2,200 messages) a second
        load = await load_under_way(settings, events, "stall", 200.0)
        os.kill(first, signal.SIGSTOP)  # frozen: alive to the kernel, silent to the hub
        stopped_at = time.monotonic()
        frozen_at = await fetch_value(db, CAMERA_EVENTS)

        async def failing() -> bool:
            failing = (await readiness(http)).get("failing")
            return isinstance(failing, list) and "routine_process" in failing

        await eventually(failing, timeout=15, interval=0.1)
        failing_after = time.monotonic() - stopped_at
        assert await metric(http, "sentinel_routine_process_up") == 0.0
        # Down (and killed) once silent for stall_after_s (5 s), not before: a slow tick is no stall.
        assert 4.5 <= failing_after <= 5.0 + 8.0, failing_after
        await eventually(lambda: replaced(hub.pid, first), timeout=15, interval=0.1)
        restarted_after = time.monotonic() - stopped_at
        assert 4.5 <= restarted_after <= 5.0 + 8.0, restarted_after
        assert load.is_alive(), "the load ended before the restart: the test proves nothing"
        await eventually(lambda: process_ready(http), timeout=30, interval=0.2)
        assert await metric(http, "sentinel_routine_process_restarts_total") == 1.0
        assert isinstance(frozen_at, int) and frozen_at < events
        await assert_all_stored_once(db, load, events)
        assert not runs(first), "the frozen routine process was left behind"
        assert hub.poll() is None
    finally:
        stop_hub_process(hub)
    log = (tmp_path / "hub.log").read_text()
    assert hub.returncode == 0, log[-3000:]
    assert "child process frozen" in log, log[-3000:]


async def test_a_panic_is_committed_and_announced_while_the_routine_process_drains_a_backlog(
    hub_settings: Settings,
) -> None:
    settings = routine_apart(hub_settings)
    db, url = settings.database_url, settings.mqtt_url
    assert db and url
    district = load_district(settings.district_file)
    topics = Topics(settings.topic_prefix)

    async def hub_until_cancelled() -> tuple[RunningHub, asyncio.Task[None]]:
        started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(Hub(settings, district).run(started))
        return await asyncio.wait_for(started, 60), task

    async def stop(task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    _, task = await hub_until_cancelled()  # both of the hub's sessions now exist at the broker
    try:
        await until_routine_session(settings)
    finally:
        await stop(task)
    backlog = 1000  # camera events, with 10,000 heartbeats: 11,000 routine messages
    await asyncio.to_thread(publish_routine_load, url, topics, backlog, "backlog", None)
    event_id, payload = press_payload("panic", f"lane-{uuid.uuid4().hex[:6]}")
    link = DeviceLink(url, f"guard-{uuid.uuid4().hex[:6]}").connect()
    link.publish(topics.button_event("site-07", "btn-07-2"), payload).wait_for_publish(10)
    link.close()

    token = await create_api_token(db)
    running, task = await hub_until_cancelled()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{running.http_url}/api/v1/stream", headers=bearer(token)) as ws,
        ):
            panic = await incident_on_stream(ws, "site-07", "panic")
            assert panic is not None, "the panic never reached the console"
            stored_when_announced = await fetch_value(db, CAMERA_EVENTS)
        assert isinstance(stored_when_announced, int) and stored_when_announced < backlog, (
            "the panic was announced only once the routine backlog was gone"
        )
        assert await fetch_value(db, "SELECT count(*) FROM events WHERE event_id = $1", event_id) == 1
        await eventually(lambda: fetch_value(db, CAMERA_EVENTS_AT_LEAST.format(backlog)), timeout=120)
        assert await fetch_value(db, CAMERA_EVENTS) == backlog
        assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0
    finally:
        await stop(task)


async def test_the_routine_process_does_not_outlive_a_hub_killed_with_sigkill(
    hub_settings: Settings, tmp_path: Path
) -> None:
    settings = routine_apart(hub_settings)
    hub = hub_process(settings, tmp_path / "hub.log")
    try:
        await eventually(lambda: process_ready(settings.http), timeout=60)
        await until_routine_session(settings)
        [child] = routine_children(hub.pid)
    finally:
        hub.send_signal(signal.SIGKILL)
        hub.wait(10)

    async def gone() -> bool:
        return not await asyncio.to_thread(runs, child)

    await eventually(gone, timeout=15)  # its end of the lifeline pipe closed with the hub


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
