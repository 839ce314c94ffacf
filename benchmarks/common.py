"""Shared by the benchmarks: private services, a hub process, /proc readings, tables and JSON."""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Services:
    mqtt_url: str
    database_admin_url: str  # any database name may be put in place of /postgres


@contextlib.contextmanager
def private_services() -> Iterator[Services]:
    from sentinel_dev.services import PrivateMosquitto, PrivatePostgres

    base = Path(tempfile.mkdtemp(prefix="sentinel-bench-"))
    base.chmod(0o755)
    # Stopped by SIGTERM (`timeout`, a kill), the benchmark still stops its broker and database on the way out.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        with PrivateMosquitto(base / "mqtt") as broker, PrivatePostgres(base / "pg") as pg:
            yield Services(broker.url, pg.admin_url("postgres"))
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(base, ignore_errors=True)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


async def fresh_database(services: Services) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(services.database_admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return services.database_admin_url.rsplit("/", 1)[0] + f"/{name}"


async def retire_database(services: Services, url: str) -> None:
    """Drop a run's database and checkpoint, so that the next run does not share the server with this one's
    aftermath (autovacuum of its tables, a checkpoint writing its pages)."""
    conn = await asyncpg.connect(services.database_admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def query(db: str, sql: str) -> list[asyncpg.Record]:
    """The rows of one query on a connection of its own, for a benchmark's synchronous driver code."""

    async def rows() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(db)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(rows())


def start_hub(
    mqtt_url: str, database_url: str, district: Path, prefix: str, http_port: int, **extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SENTINEL_MQTT_URL": mqtt_url,
        "SENTINEL_DATABASE_URL": database_url,
        "SENTINEL_CONFIG": str(district),
        "SENTINEL_TOPIC_PREFIX": prefix,
        "SENTINEL_INSTANCE": f"bench-{uuid.uuid4().hex[:6]}",
        "SENTINEL_HTTP": f"127.0.0.1:{http_port}",
        "SENTINEL_LOG_LEVEL": "warning",
        **extra,
    }
    log = open(results_dir() / "hub.log", "ab")  # noqa: SIM115 - the child keeps it open
    _compile_sources()
    return subprocess.Popen([sys.executable, "-m", "hub", "run"], cwd=REPO, env=env, stdout=log, stderr=log)


def _compile_sources() -> None:
    """The hub's bytecode written, as an installed hub has it: under PYTHONDONTWRITEBYTECODE (set in some
    environments) each hub process would compile its sources at start, and a drain's figure includes the start."""
    for package in ("hub", "devices"):
        compileall.compile_dir(REPO / package, quiet=1)


def wait_ready(http_port: int, timeout: float = 60) -> None:
    """Until /readyz says every dependency is up: ready (the alarm path up) is not enough here, since the
    runs publish heartbeats and camera events at once, and the routine process may still be starting
    (on a fresh prefix, with no session at the broker yet to keep them)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/readyz", timeout=1) as response:
                body = json.load(response)
                if response.status == 200 and all(d["state"] == "up" for d in body.get("dependencies", [])):
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError("the hub did not become ready")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def median(values: list[float]) -> float:
    return statistics.median(values)


def results_dir() -> Path:
    """benchmarks/results, made on first use: it is git-ignored, so a fresh clone has none."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS


def report(name: str, columns: list[str], rows: list[list[object]], extra: dict[str, object]) -> Path:
    """Print a table and write the JSON next to the other results."""
    widths = [max(len(str(c)), *(len(_fmt(r[i])) for r in rows)) for i, c in enumerate(columns)]
    print()
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(_fmt(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    path = results_dir() / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "columns": columns, "rows": rows, **extra}, indent=1, default=str))
    print(f"\nwritten {path.relative_to(REPO)}")
    return path


def _fmt(value: object) -> str:
    return (
        f"{value:.3g}"
        if isinstance(value, float) and abs(value) < 1000
        else (f"{value:.0f}" if isinstance(value, float) else str(value))
    )
