"""A database outage is visible and loses nothing (issue 12, part 6).

PostgreSQL (a server of the test's own) is stopped for 30 s while guards press at 100 presses/s from
fifty buttons. The desk's stream must say so within 5 s, /readyz and the API must name the database,
the metrics must show the backlog; within 20 s of the database's return the backlog must be drained
and the stream must say all is well again; and every press must be stored exactly once.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from devices.contract import Topics
from devices.link import DeviceLink
from hub.config import Settings, load_district
from sentinel_dev.services import PrivatePostgres
from simulators.button import ButtonRef, press_payload
from tests.integration.conftest import eventually, fetch_value, running_hub

RATE_PER_S = 100.0
BEFORE_S = 5.0
OUTAGE_S = 30.0
AFTER_S = 10.0  # presses go on after the return, so the drain competes with live traffic
SHOWN_WITHIN_S = 5.0
RECOVERED_WITHIN_S = 20.0


class Presser:
    """Guards pressing round-robin at a steady rate in a thread, counting what the broker confirmed."""

    def __init__(self, link: DeviceLink, topics: Topics, buttons: list[ButtonRef], rate: float) -> None:
        self._link, self._topics, self._buttons, self._rate = link, topics, buttons, rate
        self._stop = threading.Event()
        self.published = 0
        self._infos: list[Any] = []
        self._thread = threading.Thread(target=self._run, name="presser", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        started = time.monotonic()
        n = 0
        while not self._stop.is_set():
            button = self._buttons[n % len(self._buttons)]
            _, payload = press_payload("panic", f"outage-{button.device}-{n}", seq=n)
            self._infos.append(self._link.publish(self._topics.button_event(button.site, button.device), payload))
            n += 1
            self.published = n
            delay = started + n / self._rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(10)
        for info in self._infos:
            info.wait_for_publish(60)
        return self.published


@dataclass
class StreamLog:
    """Every frame one desk stream received, with when (monotonic)."""

    frames: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    def health(self, after: float = 0.0) -> list[tuple[float, dict[str, Any]]]:
        return [(at, f) for at, f in self.frames if f.get("type") == "health" and at >= after]


def database_up(frame: dict[str, Any]) -> bool | None:
    for dependency in frame["dependencies"]:
        if dependency["name"] == "database":
            return bool(dependency["up"])
    return None


async def read_stream(ws: aiohttp.ClientWebSocketResponse, log: StreamLog) -> None:
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            log.frames.append((time.monotonic(), json.loads(message.data)))


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


@pytest.fixture
def link(mqtt_broker: Any) -> Iterator[DeviceLink]:
    link = DeviceLink(mqtt_broker.url, "outage-guards").connect()
    yield link
    link.close()


async def test_postgres_stopped_30s_under_100_presses_per_s_is_shown_at_once_and_loses_nothing(
    outage_settings: Settings, private_pg: PrivatePostgres, link: DeviceLink
) -> None:
    db = outage_settings.database_url
    assert db
    district = load_district(outage_settings.district_file)
    buttons = [ButtonRef(d.site_id, d.id) for d in district.devices.values() if d.kind == "button"]
    async with running_hub(outage_settings) as hub, aiohttp.ClientSession(headers=hub.headers) as http:
        await eventually(lambda: _status(http, f"{hub.http}/readyz", 200), timeout=15)
        desk = StreamLog()
        ws = await http.ws_connect(f"{hub.http}/api/v1/stream", heartbeat=5)
        reader = asyncio.create_task(read_stream(ws, desk))
        await eventually(lambda: _has(desk, "snapshot"), timeout=10)
        assert desk.frames[0][1]["type"] == "health" and desk.frames[0][1]["ok"] is True

        presser = Presser(link, hub.topics, buttons, RATE_PER_S)
        presser.start()
        await asyncio.sleep(BEFORE_S)
        assert await fetch_value(db, "SELECT count(*) FROM events") > 0

        # ---- the outage --------------------------------------------------------------------------
        stop_at = time.monotonic()
        await asyncio.to_thread(private_pg.stop)
        down_frame_at = await _first_health(desk, stop_at, want_database_up=False, timeout=15)
        shown_after = down_frame_at - stop_at
        since = next(d for d in desk.health(stop_at)[0][1]["dependencies"] if d["name"] == "database")["since"]
        assert since, "the frame says since when"

        async with http.get(f"{hub.http}/readyz") as response:
            ready = await response.json()
            assert response.status == 503
            assert "database" in ready["failing"]
        async with http.get(f"{hub.http}/api/v1/incidents?state=open") as response:
            assert response.status == 503
            assert (await response.json())["error"]["code"] == "database_unavailable"
        # A console that connects now still learns what is going on (its snapshot comes later).
        late = StreamLog()
        late_ws = await http.ws_connect(f"{hub.http}/api/v1/stream", heartbeat=5)
        late_reader = asyncio.create_task(read_stream(late_ws, late))
        await eventually(lambda: _has(late, "health"), timeout=5)
        assert database_up(late.frames[0][1]) is False

        await asyncio.sleep(max(0.0, stop_at + OUTAGE_S - 3 - time.monotonic()))
        async with http.get(f"{hub.http}/metrics") as response:
            text = await response.text()
        backlog = metric(text, "sentinel_inbound_backlog")
        oldest = metric(text, "sentinel_inbound_oldest_unacked_seconds")
        assert metric(text, 'sentinel_dependency_up{dependency="database"}') == 0
        assert backlog > 0 and oldest > OUTAGE_S / 2
        assert not _has_sync(late, "snapshot")
        await asyncio.sleep(max(0.0, stop_at + OUTAGE_S - time.monotonic()))

        # ---- the return --------------------------------------------------------------------------
        # Timed from the start command: the server accepts connections a little before it returns.
        back_at = time.monotonic()
        await asyncio.to_thread(private_pg.start)
        published_at_return = presser.published
        ready_again = asyncio.create_task(_when_status(http, f"{hub.http}/readyz", 200, timeout=30))
        ok_frame_at = await _first_health(desk, back_at, want_ok=True, timeout=RECOVERED_WITHIN_S + 10)
        await eventually(
            lambda: fetch_value(db, f"SELECT count(*) >= {published_at_return} FROM events"), timeout=60, interval=0.2
        )
        drained_at = time.monotonic()
        ready_at = await ready_again
        await eventually(lambda: _has(late, "snapshot"), timeout=10)

        await asyncio.sleep(max(0.0, back_at + AFTER_S - time.monotonic()))
        total = await asyncio.to_thread(presser.stop)
        await eventually(lambda: fetch_value(db, f"SELECT count(*) >= {total} FROM events"), timeout=30)
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 0 FROM outbox WHERE sent_at IS NULL"), timeout=30)
        await asyncio.sleep(1.0)  # anything redelivered late must not add to it
        for task, socket in ((reader, ws), (late_reader, late_ws)):
            await socket.close()
            task.cancel()

    print(
        f"\npresses {total} (at the return {published_at_return}); banner after {shown_after:.1f} s; "
        f"backlog before the return {backlog:.0f} messages, oldest {oldest:.1f} s; "
        f"health ok {ok_frame_at - back_at:.1f} s, drained {drained_at - back_at:.1f} s, "
        f"/readyz 200 {ready_at - back_at:.1f} s after the return"
    )
    assert shown_after <= SHOWN_WITHIN_S
    assert ok_frame_at - back_at <= RECOVERED_WITHIN_S
    assert drained_at - back_at <= RECOVERED_WITHIN_S
    assert await fetch_value(db, "SELECT count(*) FROM events") == total
    assert await fetch_value(db, "SELECT count(DISTINCT (device_id, event_id)) FROM events") == total
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0
    assert await fetch_value(db, "SELECT sum(event_count) FROM incidents") == total
    assert await fetch_value(db, "SELECT count(*) FROM incident_events") == total


async def _status(http: aiohttp.ClientSession, url: str, status: int) -> bool:
    try:
        async with http.get(url) as response:
            return response.status == status
    except aiohttp.ClientError:
        return False


async def _when_status(http: aiohttp.ClientSession, url: str, status: int, timeout: float) -> float:
    await eventually(lambda: _status(http, url, status), timeout=timeout, interval=0.1)
    return time.monotonic()


async def _has(log: StreamLog, kind: str) -> bool:
    return _has_sync(log, kind)


def _has_sync(log: StreamLog, kind: str) -> bool:
    return any(frame.get("type") == kind for _, frame in log.frames)


async def _first_health(
    log: StreamLog, after: float, want_database_up: bool | None = None, want_ok: bool | None = None, timeout: float = 10
) -> float:
    """When the first health frame after `after` matching the wish arrived."""

    async def found() -> float | None:
        for at, frame in log.health(after):
            if want_database_up is not None and database_up(frame) is want_database_up:
                return at
            if want_ok is not None and frame["ok"] is want_ok:
                return at
        return None

    result = await eventually(found, timeout=timeout, interval=0.05)
    assert isinstance(result, float)
    return result
