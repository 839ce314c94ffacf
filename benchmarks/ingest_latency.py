"""The ingest benchmark's latencies (see benchmarks.ingest): press → incident on the console WebSocket and
press → the guard's `received`, with heartbeats in the background, next to the broker's own publish → subscribe."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.common import Services, cpu_seconds, fresh_database, retire_database, start_hub, wait_ready
from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from sentinel_dev.services import free_port
from simulators.button import ButtonRef, press_payload

# The latency runs' district: one button per site, so that each sample's first press opens an incident (the
# case of a real alarm) and its second joins it; the heartbeats come from its buttons.
LATENCY_SITES = 200
WAIT_S = 10.0  # how long a press is waited for on the WebSocket and for its `received`


class Heartbeats:
    """Status reports of every button at `rate` per second in total, paced every 10 ms, from a process
    of their own: in this one, the sender's thread and its paho network thread would hold the GIL
    against the latency probe's threads and add their waits to every figure (hub and broker alike)."""

    def __init__(self, url: str, topics: Topics, rate: float, sites: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._stopping = context.Event()
        self._sent = context.Value("q", 0)
        self._process = context.Process(
            target=_send_heartbeats, args=(url, topics.prefix, rate, sites, self._stopping, self._sent), daemon=True
        )

    @property
    def sent(self) -> int:
        return int(self._sent.value)

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        self._stopping.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def _send_heartbeats(url: str, prefix: str, rate: float, sites: int, stopping: Any, sent: Any) -> None:
    topics = Topics(prefix)
    link = DeviceLink(url, f"hb-{uuid.uuid4().hex[:6]}", max_inflight=20_000).connect()
    status_topics = [topics.device_status(b.site, "button", b.device) for b in _latency_buttons(sites)]
    payload = status_payload(DeviceState.ONLINE, battery=90)
    started = time.perf_counter()
    renewed = started
    count = 0
    while not stopping.is_set():
        now = time.perf_counter()
        if now - renewed > 1:  # the payload's ts stays recent
            payload, renewed = status_payload(DeviceState.ONLINE, battery=90), now
        due = int((now - started) * rate)
        while count < due:
            link.publish(status_topics[count % len(status_topics)], payload)
            count += 1
        sent.value = count
        time.sleep(0.01)
    link.close()


def _quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return float("nan"), float("nan")
    return statistics.median(values), statistics.quantiles(values, n=100)[98]


def broker_latency(url: str, topics: Topics, samples: int) -> list[float]:
    """Publish → subscribe through the broker alone (ms), one message at a time."""
    topic = f"{topics.prefix}/bench/probe/{uuid.uuid4().hex[:6]}"
    got = threading.Event()
    arrived: list[float] = []
    link = DeviceLink(url, f"probe-{uuid.uuid4().hex[:6]}").connect()

    def on_probe(_topic: str, _body: bytes) -> None:
        arrived.append(time.perf_counter())
        got.set()

    link.subscribe(topic, on_probe)
    time.sleep(0.3)
    latencies = []
    for _ in range(samples):
        got.clear()
        arrived.clear()
        sent = time.perf_counter()
        link.publish(topic, b"{}")
        if got.wait(5):
            latencies.append((arrived[0] - sent) * 1000)
        time.sleep(0.02)
    link.close()
    return latencies


async def _token(db: str) -> str:
    from hub.adapters.postgres.accounts import accounts_service

    async with accounts_service(db) as auth:
        issued = await auth.create_api_token(f"bench-{uuid.uuid4().hex[:6]}", "duty", "bench", None)
    return issued.token


def _latency_buttons(sites: int) -> list[ButtonRef]:
    return [ButtonRef(f"site-{s:02d}", f"btn-{s:02d}-0") for s in range(sites)]


@dataclass
class PressTimes:
    """ms from each press to its incident's change on the WebSocket and to its `received`, and how many
    presses were not seen on each within WAIT_S (counted as WAIT_S, a lower bound: never dropped)."""

    to_ws: list[float] = field(default_factory=list)
    to_received: list[float] = field(default_factory=list)
    missed_ws: int = 0
    missed_received: int = 0


async def press_latency(url: str, http: str, token: str, topics: Topics, samples: int) -> dict[str, PressTimes]:
    """One press at a time: at each sample's button a press that opens an incident, then one that joins it."""
    loop = asyncio.get_running_loop()
    feedback: dict[str, float] = {}
    got_feedback = asyncio.Event()
    link = DeviceLink(url, f"lat-{uuid.uuid4().hex[:6]}").connect()

    def on_feedback(_topic: str, body: bytes) -> None:
        message = json.loads(body)
        if message.get("state") == "received":
            feedback[message["event_id"]] = time.perf_counter()
            loop.call_soon_threadsafe(got_feedback.set)

    link.subscribe(f"{topics.prefix}/v1/site/+/button/+/feedback", on_feedback)
    times = {"opening": PressTimes(), "joining": PressTimes()}
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{http}/api/v1/stream", headers={"Authorization": f"Bearer {token}"}) as ws,
    ):
        await asyncio.sleep(0.3)
        for n, button in enumerate(_latency_buttons(samples)):
            for count, kind in ((1, "opening"), (2, "joining")):
                event_id, payload = press_payload("panic", f"lat-{uuid.uuid4().hex[:6]}-{n}-{count}")
                got_feedback.clear()
                sent = time.perf_counter()
                link.publish(topics.button_event(button.site, button.device), payload)
                seen = None
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(WAIT_S):
                        while seen is None:
                            message = await ws.receive_json()
                            incident = message.get("incident") if message.get("type") == "incident" else None
                            if incident and incident["site_id"] == button.site and incident["event_count"] == count:
                                seen = time.perf_counter()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(0.0, sent + WAIT_S - time.perf_counter())):
                        while event_id not in feedback:
                            await got_feedback.wait()
                            got_feedback.clear()
                t = times[kind]
                t.missed_ws += seen is None
                t.missed_received += event_id not in feedback
                t.to_ws.append(((seen if seen is not None else sent + WAIT_S) - sent) * 1000)
                t.to_received.append((feedback.get(event_id, sent + WAIT_S) - sent) * 1000)
                await asyncio.sleep(0.02)
    link.close()
    return times


def latency_run(services: Services, district: Path, rate: float, samples: int) -> dict[str, float]:
    db = asyncio.run(fresh_database(services))
    prefix = f"l{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    port = free_port()
    hub = start_hub(services.mqtt_url, db, district, prefix, port)
    try:
        wait_ready(port)
        token = asyncio.run(_token(db))
        background = Heartbeats(services.mqtt_url, topics, rate, sites=max(samples, LATENCY_SITES))
        background.start()
        try:
            time.sleep(1)  # the background at its rate
            broker = broker_latency(services.mqtt_url, topics, samples)
            cpu, wall = cpu_seconds(hub.pid), time.perf_counter()
            times = asyncio.run(press_latency(services.mqtt_url, f"http://127.0.0.1:{port}", token, topics, samples))
            # The share of one core the hub's (main) process used while presses were timed: less sensitive
            # to the machine's other load than the latencies.
            hub_cpu = (cpu_seconds(hub.pid) - cpu) / (time.perf_counter() - wall)
        finally:
            background.stop()
        figures = {}
        figures["broker_p50"], figures["broker_p99"] = _quantiles(broker)
        for kind, t in times.items():  # "joining" keeps the keys of the runs before openings were measured
            key = "" if kind == "joining" else f"{kind}_"
            for name, values in (("ws", t.to_ws), ("received", t.to_received)):
                figures[f"{key}{name}_p50"], figures[f"{key}{name}_p99"] = _quantiles(values)
            figures[f"{key}ws_missed"], figures[f"{key}received_missed"] = float(t.missed_ws), float(t.missed_received)
        figures["hub_cpu"] = hub_cpu
        figures["load_1min"] = os.getloadavg()[0]  # the machine is shared: say how busy it was
        return figures
    finally:
        hub.terminate()
        hub.wait(20)
        asyncio.run(retire_database(services, db))
