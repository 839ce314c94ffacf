"""Ingest benchmark: presses per second from publish to commit, and press → "received" feedback
latency, for the hub's batched ingest against a baseline of one transaction per message measured in
the same run.

    python -m benchmarks.ingest [--presses 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks.common import fresh_database, median, private_services, report, start_hub, wait_ready
from devices.contract import Topics
from devices.link import DeviceLink
from hub.adapters.local import free_port
from simulators.button import ButtonRef, burst, press_payload
from simulators.districts import write_district


async def _fetch(db: str, sql: str) -> object:
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def throughput_run(services, district: Path, batch_max: int, presses: int) -> float:  # type: ignore[no-untyped-def]
    """Presses queued at the broker while the hub is down, then drained: measures the hub's ingest
    capacity rather than how fast one Python publisher can publish."""
    db = asyncio.run(fresh_database(services))
    prefix = f"b{uuid.uuid4().hex[:6]}"
    port = free_port()
    instance = f"bench-{uuid.uuid4().hex[:6]}"
    extra = {"SENTINEL_INGEST_BATCH_MAX": str(batch_max), "SENTINEL_INSTANCE": instance}
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    wait_ready(port)  # the hub's persistent session now exists at the broker
    hub.terminate()
    hub.wait(20)
    topics = Topics(prefix)
    buttons = [ButtonRef(f"site-{s:02d}", f"btn-{s:02d}-{b}") for s in range(50) for b in range(4)]
    link = DeviceLink(services.mqtt_url, f"bench-{uuid.uuid4().hex[:6]}").connect()
    burst(link, topics, buttons, presses)
    link.close()
    hub = start_hub(services.mqtt_url, db, district, prefix, port, **extra)
    try:
        deadline = time.monotonic() + 600
        while asyncio.run(_fetch(db, "SELECT count(*) FROM events")) < presses:
            if time.monotonic() > deadline:
                raise TimeoutError("the hub did not drain the queue")
            time.sleep(0.2)
        seconds = asyncio.run(_fetch(db, "SELECT extract(epoch FROM max(stored_at) - min(received_at)) FROM events"))
        return presses / float(seconds)  # type: ignore[arg-type]
    finally:
        hub.terminate()
        hub.wait(20)


def latency_run(services, district: Path, batch_max: int, samples: int) -> list[float]:  # type: ignore[no-untyped-def]
    """Press → the guard's "received" feedback, one press at a time (ms)."""
    db = asyncio.run(fresh_database(services))
    prefix = f"l{uuid.uuid4().hex[:6]}"
    port = free_port()
    hub = start_hub(services.mqtt_url, db, district, prefix, port, SENTINEL_INGEST_BATCH_MAX=str(batch_max))
    try:
        wait_ready(port)
        topics = Topics(prefix)
        link = DeviceLink(services.mqtt_url, f"lat-{uuid.uuid4().hex[:6]}").connect()
        arrived: dict[str, float] = {}
        got = threading.Event()

        def on_feedback(_topic: str, body: bytes) -> None:
            arrived[json.loads(body)["event_id"]] = time.perf_counter()
            got.set()

        link.subscribe(topics.button_feedback("site-00", "btn-00-0"), on_feedback)
        time.sleep(0.3)
        latencies = []
        for n in range(samples):
            event_id, payload = press_payload("panic", f"lat-{n}")
            got.clear()
            sent = time.perf_counter()
            link.publish(topics.button_event("site-00", "btn-00-0"), payload)
            got.wait(5)
            if event_id in arrived:
                latencies.append((arrived[event_id] - sent) * 1000)
            time.sleep(0.02)
        link.close()
        return latencies
    finally:
        hub.terminate()
        hub.wait(20)


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    district = write_district(Path(tempfile.mkdtemp()) / "bench.yaml", sites=50, buttons_per_site=4)
    rows = []
    results: dict[str, dict[str, float]] = {}
    with private_services() as services:
        for label, batch_max in (("one message per transaction (baseline)", 1), ("batched (hub default)", 500)):
            rates = []
            for repeat in range(args.repeats):
                rates.append(throughput_run(services, district, batch_max, args.presses))
                print(f"{label}: run {repeat + 1}/{args.repeats}: {rates[-1]:.0f} presses/s", flush=True)
            latencies = latency_run(services, district, batch_max, args.samples)
            print(f"{label}: {len(latencies)} feedback round trips measured", flush=True)
            results[label] = {
                "presses_per_s": median(rates),
                "feedback_ms_median": median(latencies),
                "feedback_ms_p99": p99(latencies),
            }
    base = results["one message per transaction (baseline)"]["presses_per_s"]
    for label, r in results.items():
        rows.append(
            [label, r["presses_per_s"], r["presses_per_s"] / base, r["feedback_ms_median"], r["feedback_ms_p99"]]
        )
    report(
        "ingest",
        ["ingest", "presses/s (median)", "× baseline", "feedback ms (median)", "feedback ms (p99)"],
        rows,
        {"presses": args.presses, "repeats": args.repeats, "samples": args.samples},
    )


if __name__ == "__main__":
    main()
