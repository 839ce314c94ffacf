"""The routine lane in a process of its own (docs/design.md, "Processes"): the hub restarts it when it
dies, a kill -9 loses and doubles nothing, and a panic does not wait for its backlog. (How the hub reports
its state: test_routine_health.py.)"""

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
