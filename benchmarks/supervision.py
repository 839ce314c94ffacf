"""Supervision benchmark: 10,000 devices heartbeating; 1% fall silent. Reports the hub's CPU and
memory under that load against the same hub idle (same district, no heartbeats) measured in the
same run, how fast the silent ones are found, and that nobody else is.

    python -m benchmarks.supervision [--sites 2000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks.common import (
    cpu_seconds,
    fresh_database,
    median,
    private_services,
    query,
    report,
    rss_mib,
    start_hub,
    wait_ready,
)
from devices.contract import DeviceState, Topics
from devices.link import DeviceLink, status_payload
from sentinel_dev.services import free_port
from simulators.districts import write_district

INTERVAL_S = 30
GRACE_S = 10
HEARTBEAT_S = 15


def heartbeats(
    link: DeviceLink,
    topics: Topics,
    devices: list[tuple[str, str, str]],
    stop: threading.Event,
    silent: set[str],
    silence_from: float,
) -> int:
    """Each device reports every HEARTBEAT_S, spread evenly; `silent` ones stop at `silence_from`."""
    sent = 0
    payload = status_payload(DeviceState.ONLINE, battery=90)
    gap = HEARTBEAT_S / len(devices)
    start = time.monotonic()
    n = 0
    while not stop.is_set():
        site, kind, device = devices[n % len(devices)]
        now = time.monotonic()
        if not (device in silent and now >= silence_from):
            link.publish(topics.device_status(site, kind, device), payload)
            sent += 1
        n += 1
        delay = start + n * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return sent


def run(services, district: Path, devices: list[tuple[str, str, str]], seconds: float, load: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    db = asyncio.run(fresh_database(services))
    prefix = f"s{uuid.uuid4().hex[:6]}"
    port = free_port()
    hub = start_hub(services.mqtt_url, db, district, prefix, port)
    try:
        wait_ready(port)
        topics = Topics(prefix)
        silent = {d for _, _, d in devices[::100]}  # 1 %
        stop = threading.Event()
        link = DeviceLink(services.mqtt_url, f"hb-{uuid.uuid4().hex[:6]}").connect()
        silence_from = time.monotonic() + 5
        counter: list[int] = []
        worker = (
            threading.Thread(
                target=lambda: counter.append(heartbeats(link, topics, devices, stop, silent, silence_from))
            )
            if load
            else None
        )
        if worker:
            worker.start()
        time.sleep(3)  # warm up
        cpu0, t0 = cpu_seconds(hub.pid), time.monotonic()
        rss = []
        while time.monotonic() - t0 < seconds:
            time.sleep(1)
            rss.append(rss_mib(hub.pid))
        cpu = (cpu_seconds(hub.pid) - cpu0) / (time.monotonic() - t0)
        stop.set()
        if worker:
            worker.join()
        link.close()
        rows = query(db, "SELECT device_id, offline_since, last_seen_at FROM device_health WHERE NOT online")
        offline = {r["device_id"] for r in rows}
        events = query(
            db,
            "SELECT device_id, extract(epoch FROM received_at - occurred_at) AS late"
            " FROM events WHERE type = 'offline'",
        )
        delays = [float(r["late"]) for r in events]
        return {
            "cpu_percent": cpu * 100,
            "rss_mib": median(rss),
            "heartbeats_per_s": (counter[0] / (seconds + 3)) if counter else 0.0,
            "went_offline": float(len(offline)),
            "silent": float(len(silent)) if load else 0.0,
            "false_offline": float(len(offline - silent)) if load else float(len(offline)),
            "found_s_after_deadline_median": median(delays) if delays else float("nan"),
        }
    finally:
        hub.terminate()
        hub.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sites", type=int, default=2000, help="5 devices per site")
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())

    def district_file(name: str, interval_s: int) -> Path:
        return write_district(
            folder / name, sites=args.sites, buttons_per_site=3, camera_interval_s=interval_s,
            button_interval_s=interval_s, speaker_interval_s=interval_s, grace_s=GRACE_S,
        )  # fmt: skip

    # The baseline: the same 10,000 devices registered and supervised, none reporting and none due
    # within the run (a long interval), so the hub only keeps watch.
    quiet, watched = district_file("quiet.yaml", 3600), district_file("watched.yaml", INTERVAL_S)
    devices = [
        (f"site-{s:02d}", kind, d)
        for s in range(args.sites)
        for kind, d in [
            *((("button", f"btn-{s:02d}-{b}")) for b in range(3)),
            ("camera", f"cam-{s:02d}"),
            ("speaker", f"spk-{s:02d}"),
        ]
    ]
    with private_services() as services:
        print(f"{len(devices)} devices: idle baseline ({args.seconds:.0f} s)…", flush=True)
        idle = run(services, quiet, devices, args.seconds, load=False)
        print(
            f"{len(devices)} devices: heartbeats every {HEARTBEAT_S} s, 1% fall silent ({args.seconds:.0f} s)…",
            flush=True,
        )
        busy = run(services, watched, devices, args.seconds, load=True)
    rows = [
        ["idle (baseline)", idle["cpu_percent"], 1.0, idle["rss_mib"], 0.0, 0.0, idle["false_offline"], float("nan")],
        [
            f"{len(devices)} devices reporting",
            busy["cpu_percent"],
            busy["cpu_percent"] / max(idle["cpu_percent"], 0.1),
            busy["rss_mib"],
            busy["heartbeats_per_s"],
            busy["went_offline"],
            busy["false_offline"],
            busy["found_s_after_deadline_median"],
        ],
    ]
    report(
        "supervision",
        [
            "load",
            "hub CPU % of a core",
            "× idle",
            "RSS MiB",
            "heartbeats/s",
            "offline found",
            "false offline",
            "found after deadline s (median)",
        ],
        rows,
        {
            "devices": len(devices),
            "silent": busy["silent"],
            "interval_s": INTERVAL_S,
            "grace_s": GRACE_S,
            "seconds": args.seconds,
        },
    )


if __name__ == "__main__":
    main()
