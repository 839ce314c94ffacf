"""Warning latency benchmark: a camera (simulated scene with people walking into an armed yard)
analysed by the camera agent; the hub's rule warns the yard's loudspeaker. Reports, per intrusion,
the latency from the frame the intrusion was seen on to the speaker command leaving the hub, and to
the speaker's `playing` ack (median and p99), against the broker's own round trip measured in the
same run.

    python -m benchmarks.warnings [--seconds 180]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import yaml

from benchmarks.common import (
    REPO,
    fresh_database,
    median,
    private_services,
    report,
    results_dir,
    start_hub,
    wait_ready,
)
from devices.contract import Topics
from devices.link import DeviceLink
from sentinel_dev.services import free_port
from simulators.districts import synthetic_district
from simulators.speaker import SpeakerSimulator


def district_with_camera(path: Path, stream_port: int) -> Path:
    district = synthetic_district(sites=1, buttons_per_site=1)
    camera = district["sites"][0]["devices"][1]
    camera["camera"] = {
        "stream": f"http://127.0.0.1:{stream_port}/mjpeg",
        "fps": 5,
        "speakers": ["spk-00"],
        "zones": [
            {"id": "yard", "kind": "intrusion", "polygon": [[0.35, 0.55], [0.75, 0.55], [0.8, 0.95], [0.3, 0.95]]}
        ],
    }
    district["warning_rules"] = [
        {
            "id": "yard",
            "event": "intrusion",
            "message": "leave-now",
            "languages": ["zh-CN"],
            "repeat": 1,
            "cooldown_s": 0,
        }
    ]
    path.write_text(yaml.safe_dump(district, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def broker_round_trip_ms(url: str, samples: int = 50) -> list[float]:
    """Publish → receive through the broker: the floor under any latency the hub adds."""
    topic = f"bench/{uuid.uuid4().hex}"
    got = threading.Event()
    link = DeviceLink(url, f"rt-{uuid.uuid4().hex[:6]}").connect()
    link.subscribe(topic, lambda _t, _b: got.set())
    time.sleep(0.3)
    times = []
    for _ in range(samples):
        got.clear()
        sent = time.perf_counter()
        link.publish(topic, b"x")
        if got.wait(2):
            times.append((time.perf_counter() - sent) * 1000)
        time.sleep(0.01)
    link.close()
    return times


async def _rows(db: str) -> list[tuple[float, float]]:
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        rows = await conn.fetch(
            """
            SELECT extract(epoch FROM o.sent_at - e.occurred_at) * 1000 AS command_ms,
                   extract(epoch FROM w.playing_at - e.occurred_at) * 1000 AS playing_ms
            FROM warnings w
            JOIN incident_events ie ON ie.incident_id = w.incident_id
            JOIN events e ON e.id = ie.event_pk AND e.type = 'intrusion'
            JOIN outbox o ON position(w.command_id::bytea IN o.payload) > 0
            WHERE w.playing_at IS NOT NULL AND o.sent_at IS NOT NULL
              AND e.received_at <= w.created_at
              AND e.id = (SELECT max(e2.id) FROM events e2 JOIN incident_events ie2 ON ie2.event_pk = e2.id
                          WHERE ie2.incident_id = w.incident_id AND e2.received_at <= w.created_at)
            """
        )
        return [(float(r["command_ms"]), float(r["playing_ms"])) for r in rows]
    finally:
        await conn.close()


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=180)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    stream_port, agent_port, http_port = free_port(), free_port(), free_port()
    district = district_with_camera(folder / "camera.yaml", stream_port)
    prefix = f"w{uuid.uuid4().hex[:6]}"
    children: list[subprocess.Popen[bytes]] = []
    log = open(results_dir() / "warnings-children.log", "ab")  # noqa: SIM115 - children keep it open
    with private_services() as services:
        db = asyncio.run(fresh_database(services))
        hub = start_hub(services.mqtt_url, db, district, prefix, http_port)
        try:
            wait_ready(http_port)
            floor = broker_round_trip_ms(services.mqtt_url)
            speaker = SpeakerSimulator(services.mqtt_url, Topics(prefix), "site-00", "spk-00", time_scale=20).start()
            env = {
                **os.environ,
                "SENTINEL_MQTT_URL": services.mqtt_url,
                "SENTINEL_CONFIG": str(district),
                "SENTINEL_TOPIC_PREFIX": prefix,
                "SENTINEL_DATA_DIR": str(folder),
                "SENTINEL_LOG_LEVEL": "warning",
            }
            run = [sys.executable, "-m", "hub"]
            children.append(
                subprocess.Popen(
                    [*run, "simulate", "camera", "--scene", "yard_intrusions", "--http", f"127.0.0.1:{stream_port}"],
                    env=env,
                    cwd=REPO,
                    stdout=log,
                    stderr=log,
                )
            )
            children.append(
                subprocess.Popen(
                    [*run, "camera-agent", "--http", f"127.0.0.1:{agent_port}", "--workers", "1"],
                    env=env,
                    cwd=REPO,
                    stdout=log,
                    stderr=log,
                )
            )
            print(
                f"camera, agent, hub and speaker running; collecting intrusions for {args.seconds:.0f} s…", flush=True
            )
            time.sleep(args.seconds)
            samples = asyncio.run(_rows(db))
            speaker.stop()
        finally:
            for child in children:
                child.terminate()
                child.wait(20)
            hub.terminate()
            hub.wait(20)
    if not samples:
        raise SystemExit("no intrusion warnings were measured (see benchmarks/results/warnings-children.log)")
    command, playing = [c for c, _ in samples], [p for _, p in samples]
    base = median(floor)
    rows = [
        ["broker round trip (baseline)", len(floor), base, p99(floor), 1.0],
        ["intrusion frame → speaker command sent", len(command), median(command), p99(command), median(command) / base],
        [
            "intrusion frame → speaker `playing` ack",
            len(playing),
            median(playing),
            p99(playing),
            median(playing) / base,
        ],
    ]
    report(
        "warnings",
        ["latency", "samples", "median ms", "p99 ms", "× broker round trip"],
        rows,
        {"seconds": args.seconds},
    )


if __name__ == "__main__":
    main()
