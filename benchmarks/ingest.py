"""Ingest benchmark, as ratios to the broker measured in the same run:

* drain: an N-press backlog queued at the broker while the hub was down, drained by the hub (its start
  included: from starting the process to the last press committed) against a bare paho subscriber
  draining its own copy of the same backlog from the same broker;
* latency: press → incident on the console WebSocket and press → the guard's `received`, p50 and p99,
  with heartbeats in the background (1,000/s, then 3,000/s for the alarm lane), next to the broker's own
  publish → subscribe latency at the same rate; for each sample a press that opens an incident at a site
  of its own (a real alarm), then one that joins it (the rows without "opening").

Each figure is the median over `--repeats` runs.

    python -m benchmarks.ingest [--presses 20000] [--repeats 3] [--samples 200] [--rates 1000,3000|none] [--no-drain]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from benchmarks.common import (
    Services,
    cpu_seconds,
    fresh_database,
    median,
    private_services,
    query,
    report,
    retire_database,
    start_hub,
    wait_ready,
)
from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from devices.mqtt_url import parse_mqtt_url
from sentinel_dev.services import free_port
from simulators.button import ButtonRef, burst, press_payload
from simulators.districts import write_district

SITES, BUTTONS = 50, 4  # the drain's district
# The latency runs' district: one button per site, so that each sample's first press opens an incident (the
# case of a real alarm) and its second joins it; the heartbeats come from its buttons.
LATENCY_SITES = 200
WAIT_S = 10.0  # how long a press is waited for on the WebSocket and for its `received`


def _paho(url: str, client_id: str, clean: bool) -> paho.Client:
    endpoint = parse_mqtt_url(url)
    client = paho.Client(
        callback_api_version=paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
    )
    if endpoint.username:
        client.username_pw_set(endpoint.username, endpoint.password or "")
    client.user_data_set((endpoint.host, endpoint.port, clean))
    return client


def _connect(client: paho.Client) -> None:
    host, port, clean = client.user_data_get()
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 0 if clean else 3600
    properties.ReceiveMaximum = 20_000
    client.connect(host, port, keepalive=30, clean_start=clean, properties=properties)


class BareSubscriber:
    """The baseline: paho, a persistent session, QoS 1, nothing done per message but counting."""

    def __init__(self, url: str, topic_filter: str) -> None:
        self._url = url
        self._filter = topic_filter
        self._client_id = f"bare-{uuid.uuid4().hex[:8]}"

    def _client(self, on_message: Callable[[], None] | None = None) -> paho.Client:
        client = _paho(self._url, self._client_id, clean=False)
        subscribed = threading.Event()
        client.on_connect = lambda c, *_: c.subscribe(self._filter, qos=1)
        client.on_subscribe = lambda *_: subscribed.set()
        if on_message is not None:
            client.on_message = lambda *_: on_message()
        client._bench_subscribed = subscribed  # type: ignore[attr-defined]
        return client

    def create_session(self) -> None:
        client = self._client()
        _connect(client)
        client.loop_start()
        client._bench_subscribed.wait(10)  # type: ignore[attr-defined]
        client.disconnect()
        client.loop_stop()

    def drain(self, count: int, timeout: float = 300) -> float:
        """Messages per second from connecting until the `count`-th message arrived."""
        received = 0
        done = threading.Event()

        def on_message() -> None:
            nonlocal received
            received += 1
            if received >= count:
                done.set()

        client = self._client(on_message)
        started = time.perf_counter()
        _connect(client)
        client.loop_start()
        if not done.wait(timeout):
            raise TimeoutError(f"the bare subscriber got {received} of {count}")
        seconds = time.perf_counter() - started
        client.disconnect()
        client.loop_stop()
        return count / seconds


def drain_run(services: Services, district: Path, presses: int) -> tuple[float, float, float, float]:
    """(hub presses/s with its start, bare paho messages/s) from the same backlog in the same broker, then
    where the hub's time went: seconds from its start to its first commit, presses/s from there on."""
    db = asyncio.run(fresh_database(services))
    prefix = f"b{uuid.uuid4().hex[:6]}"
    topics = Topics(prefix)
    port = free_port()
    extra = {"SENTINEL_INSTANCE": f"bench-{uuid.uuid4().hex[:6]}"}
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    wait_ready(port)  # the hub's persistent session (and its database) now exist
    hub.terminate()
    hub.wait(20)
    bare = BareSubscriber(services.mqtt_url, f"{prefix}/v1/site/+/button/+/event")
    bare.create_session()
    buttons = [ButtonRef(f"site-{s:02d}", f"btn-{s:02d}-{b}") for s in range(SITES) for b in range(BUTTONS)]
    link = DeviceLink(services.mqtt_url, f"bench-{uuid.uuid4().hex[:6]}").connect()
    burst(link, topics, buttons, presses)
    link.close()
    bare_rate = bare.drain(presses)
    started = time.time()
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    try:
        deadline = time.monotonic() + 600
        while query(db, "SELECT count(*) FROM events")[0][0] < presses:
            if time.monotonic() > deadline:
                raise TimeoutError("the hub did not drain the backlog")
            time.sleep(0.1)
        first, last = query(
            db, "SELECT extract(epoch FROM min(stored_at)), extract(epoch FROM max(stored_at)) FROM events"
        )[0]
        after_start = presses / max(float(last) - float(first), 1e-3)
        return presses / (float(last) - started), bare_rate, float(first) - started, after_start
    finally:
        hub.terminate()
        hub.wait(20)
        asyncio.run(retire_database(services, db))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--rates", default="1000,3000", help="heartbeats per second in the background ('none': drain only)"
    )
    parser.add_argument("--no-drain", action="store_true", help="measure the latencies only")
    args = parser.parse_args()
    rates = [] if args.rates == "none" else [float(r) for r in args.rates.split(",")]
    folder = Path(tempfile.mkdtemp())
    district = write_district(folder / "drain.yaml", sites=SITES, buttons_per_site=BUTTONS)
    latency_district = write_district(
        folder / "latency.yaml", sites=max(args.samples, LATENCY_SITES), buttons_per_site=1
    )
    drains: list[tuple[float, float, float, float]] = []
    latencies: dict[float, list[dict[str, float]]] = {rate: [] for rate in rates}
    with private_services() as services:
        for repeat in range(args.repeats):
            if not args.no_drain:
                drains.append(drain_run(services, district, args.presses))
                rate, bare, first, after = drains[-1]
                print(
                    f"drain run {repeat + 1}: hub {rate:.0f}/s, bare paho {bare:.0f}/s;"
                    f" hub start to first commit {first:.2f} s, then {after:.0f}/s",
                    flush=True,
                )
            for rate in rates:
                latencies[rate].append(latency_run(services, latency_district, rate, args.samples))
                print(f"latency run {repeat + 1} at {rate:.0f} hb/s: {latencies[rate][-1]}", flush=True)
    rows: list[list[object]] = []
    if drains:
        hub_rate, bare_rate = median([d[0] for d in drains]), median([d[1] for d in drains])
        rows.append(["drain, hub start included", "msg/s", hub_rate, "bare paho subscriber", bare_rate])
        rows.append(["drain: hub start to first commit", "s", median([d[2] for d in drains]), "-", None])
        rows.append(
            ["drain: first to last commit", "msg/s", median([d[3] for d in drains]), "bare paho subscriber", bare_rate]
        )
    for rate in rates:
        runs = latencies[rate]

        def m(key: str, runs: list[dict[str, float]] = runs) -> float:
            return median([r[key] for r in runs])

        for press, prefix in (("press opening an incident", "opening_"), ("press", "")):
            for what, key in ((f"{press} → WebSocket", "ws"), (f"{press} → received", "received")):
                for q in ("p50", "p99"):
                    broker = f"broker publish → subscribe {q}"
                    row = [f"{what} {q} at {rate:.0f} hb/s", "ms", m(f"{prefix}{key}_{q}"), broker, m(f"broker_{q}")]
                    rows.append(row)
        rows.append([f"hub main process CPU at {rate:.0f} hb/s", "cores", m("hub_cpu"), "-", None])
    for row in rows:
        value, baseline = row[2], row[4]
        row.append(value / baseline if isinstance(value, float) and isinstance(baseline, float) and baseline else None)
    report(
        "ingest",
        ["measure", "unit", "hub (median)", "baseline", "baseline (median)", "ratio"],
        rows,
        {
            "presses": args.presses,
            "repeats": args.repeats,
            "samples": args.samples,
            "rates": rates,
            # Presses not seen within WAIT_S (counted in the figures as WAIT_S), per run: WebSocket, received.
            "missed": {
                rate: [
                    {kind: (r[f"{kind}ws_missed"], r[f"{kind}received_missed"]) for kind in ("opening_", "")}
                    for r in latencies[rate]
                ]
                for rate in rates
            },
        },
    )
    missed = sum(v for runs in latencies.values() for r in runs for k, v in r.items() if k.endswith("_missed"))
    if missed:
        print(
            f"{missed:.0f} presses not seen within {WAIT_S:.0f} s (counted as {WAIT_S:.0f} s): see 'missed' in the JSON"
        )


if __name__ == "__main__":
    main()
