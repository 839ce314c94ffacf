"""Helpers for tests that run a whole hub against the private broker and database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from devices.contract import Topics
from devices.link import DeviceLink
from hub.adapters.mqtt.broker_conf import hub_account_name
from hub.adapters.mqtt.credentials import district_accounts, write_broker_files
from hub.adapters.postgres.accounts import accounts_service
from hub.app import Hub, RunningHub
from hub.config import Settings, load_district
from sentinel_dev.services import PrivateMosquitto, PrivatePostgres, free_port
from simulators.districts import write_district
from simulators.speaker import SpeakerSimulator

REPO = Path(__file__).resolve().parents[2]


@dataclass
class HubUnderTest:
    settings: Settings
    running: RunningHub
    topics: Topics
    token: str  # a duty API token for the hub's HTTP API
    token_name: str

    @property
    def http(self) -> str:
        return self.running.http_url

    @property
    def db(self) -> str:
        """The hub's database URL (a hub under test always has one)."""
        assert self.settings.database_url
        return self.settings.database_url

    @property
    def headers(self) -> dict[str, str]:
        """Authorization for API calls and WebSocket handshakes as the duty desk."""
        return bearer(self.token)


async def incident_on_stream(
    ws: aiohttp.ClientWebSocketResponse, site_id: str, kind: str, timeout: float = 30
) -> dict[str, Any] | None:
    """The first incident of `site_id` and `kind` a console stream shows (in its snapshot or as a change)
    within `timeout` seconds; None if none."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await ws.receive_json(timeout=timeout)
        incidents = message.get("incidents", []) if message["type"] == "snapshot" else []
        incidents += [message["incident"]] if message["type"] == "incident" else []
        found = next((i for i in incidents if i["site_id"] == site_id and i["kind"] == kind), None)
        if found is not None:
            return dict(found)
    return None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_api_token(
    database_url: str, role: str = "duty", name: str | None = None, officer_id: str | None = None
) -> str:
    """A bearer token of this role, made as `sentinel token create` makes it."""
    async with accounts_service(database_url) as auth:
        issued = await auth.create_api_token(name or f"test-{uuid.uuid4().hex[:8]}", role, "test", officer_id)
    return issued.token


async def create_user(
    database_url: str, username: str, password: str, role: str = "duty", officer_id: str | None = None
) -> None:
    """A console account, made as `sentinel user add` makes it."""
    async with accounts_service(database_url) as auth:
        await auth.create_user(username, password, role, "test", officer_id=officer_id, display_name=username)


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    """A fresh folder the postgres user can enter (private PostgreSQL clusters live in it)."""
    path = Path(tempfile.mkdtemp(prefix="sentinel-test-local-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def api_token(database_url: str) -> str:
    """A duty API token in the test's database (for an app or hub built on `database_url`)."""
    return await create_api_token(database_url)


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    return write_district(tmp_path / "district.yaml")


@pytest.fixture
def hub_settings(
    request: pytest.FixtureRequest,
    mqtt_broker: PrivateMosquitto,
    database_url: str,
    district_file: Path,
    tmp_path: Path,
) -> Settings:
    return settings_for_test(mqtt_broker.url, database_url, district_file, tmp_path, layout(request.node))


def layout(node: pytest.Item) -> bool | None:
    """Whether a test's hub runs the routine lane in a process of its own: always with the mark
    `routine_process` (the production layout, for the routine lane's most telling tests in every run),
    never with `one_process(why)` (a test that looks into in-process parts that only see routine traffic in
    that layout), else as `ROUTINE_PROCESS_ENV` says."""
    if node.get_closest_marker("routine_process") is not None:
        return True
    if node.get_closest_marker("one_process") is not None:
        return False
    return None


# Set to 1 to run the integration tests in the production layout: the routine lane (heartbeats, status,
# speaker acks, camera events, officers' messages) in a process of its own, as `sentinel run` runs it.
ROUTINE_PROCESS_ENV = "SENTINEL_TEST_ROUTINE_PROCESS"


def routine_process_wanted() -> bool:
    """Whether this run asked for the production layout (`ROUTINE_PROCESS_ENV`)."""
    return os.environ.get(ROUTINE_PROCESS_ENV, "0").strip().lower() in ("1", "true", "yes", "on")


def settings_for_test(
    mqtt_url: str, database_url: str, district_file: Path, tmp_path: Path, routine_process: bool | None = None
) -> Settings:
    """A hub's settings for one test: a topic prefix and instance of its own keep tests apart on the shared
    test broker; media and speech cache under the test's tmp_path. By default one process does everything
    (faster to start); `routine_process` (default: `ROUTINE_PROCESS_ENV`) puts the routine lane in a process
    of its own, as in production (the test broker binds no client id to an account, so both sessions log in
    with the same URL)."""
    unique = uuid.uuid4().hex[:8]
    apart = routine_process_wanted() if routine_process is None else routine_process
    return Settings(
        mqtt_url=mqtt_url,
        database_url=database_url,
        http=f"127.0.0.1:{free_port()}",
        district_file=district_file,
        topic_prefix=f"t{unique}",
        instance_id=f"test-{unique}",
        data_dir=tmp_path / "data",
        routine_process=apart,
        routine_mqtt_url=mqtt_url if apart else None,
    )


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of this test's own, to stop and start at will (the session's server is
    shared by every test and must stay up)."""
    base = Path(tempfile.mkdtemp(prefix="sentinel-outage-pg-"))
    base.chmod(0o755)  # user postgres must be able to enter it
    server = PrivatePostgres(base, fast_unsafe=True)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
        if server.cluster_dir != base:
            shutil.rmtree(server.cluster_dir, ignore_errors=True)


@pytest.fixture
def outage_settings(hub_settings: Settings, private_pg: PrivatePostgres) -> Settings:
    """The hub's settings on a database of its own (`private_pg`), which the test may stop."""
    return hub_settings.model_copy(update={"database_url": private_pg.url})


@contextlib.asynccontextmanager
async def running_hub(settings: Settings, district_file: Path | None = None) -> AsyncIterator[HubUnderTest]:
    """A hub on `settings` (on `district_file` when given), until the block ends."""
    if district_file is not None:
        settings = settings.model_copy(update={"district_file": district_file})
    started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(Hub(settings, load_district(settings.district_file)).run(started))
    try:
        done, _ = await asyncio.wait([started, task], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()
        running = started.result()
        await asyncio.wait_for(running.mqtt.wait_connected(), 10)
        await _until(lambda: _ready(running), 10)  # every dependency checked once: /readyz says ready
        assert settings.database_url
        token_name = f"desk-{uuid.uuid4().hex[:6]}"  # a hub restarted on the same database gets another
        token = await create_api_token(settings.database_url, name=token_name)
        yield HubUnderTest(settings, running, Topics(settings.topic_prefix), token, token_name)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[HubUnderTest]:
    async with running_hub(hub_settings) as running:
        yield running


@pytest.fixture
def speaker(hub: HubUnderTest, mqtt_broker: PrivateMosquitto) -> Iterator[SpeakerSimulator]:
    """The speaker spk-01 at site-01, answering the module's `hub` at ten times speed."""
    with SpeakerSimulator(mqtt_broker.url, hub.topics, "site-01", "spk-01", time_scale=10) as simulator:
        yield simulator


@pytest.fixture
def device_link(mqtt_broker: PrivateMosquitto) -> Iterator[DeviceLink]:
    link = DeviceLink(mqtt_broker.url, f"test-device-{uuid.uuid4().hex[:8]}").connect()
    yield link
    link.close()


def _ready(running: RunningHub) -> bool:
    """Whether every dependency was found up. One not yet up is asked again now (`suspect`), not at its
    watch's next tick (the broker's flag is looked at every 0.25 s): a quarter second per hub start."""
    for state in running.health.states:
        if state.up is not True:
            running.health.suspect(state.name)
    return running.health.ok


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s")
        await asyncio.sleep(0.02)


async def eventually(check, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll an async check until it returns a truthy value; return it, or fail with the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


async def fetch_value(database_url: str, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def get_json(url: str, token: str | None = None) -> object:
    headers = bearer(token) if token else None
    async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as response:
        response.raise_for_status()
        return await response.json()


async def process_ready(http: str) -> bool:
    """Whether the hub at host:port (e.g. a `hub_process`) answers /readyz with 200."""
    try:
        async with aiohttp.ClientSession() as session, session.get(f"http://{http}/readyz") as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


def hub_process(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """The hub as a separate process (`python -m hub run`), so a test can kill -9 it."""
    env = {
        **os.environ,
        "SENTINEL_MQTT_URL": settings.mqtt_url or "",
        "SENTINEL_DATABASE_URL": settings.database_url or "",
        "SENTINEL_HTTP": settings.http,
        "SENTINEL_CONFIG": str(settings.district_file),
        "SENTINEL_TOPIC_PREFIX": settings.topic_prefix,
        "SENTINEL_INSTANCE": settings.instance_id,
        "SENTINEL_LOG_LEVEL": "warning",
        "SENTINEL_ROUTINE_PROCESS": "1" if settings.routine_process else "0",
        "SENTINEL_ROUTINE_MQTT_URL": settings.routine_mqtt_url or "",
    }
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "hub", "run"], cwd=REPO, env=env, stdout=log, stderr=log)


def stop_hub_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a `hub_process` and wait up to 15 s for it to exit (killed, and the wait's error raised, if not)."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except Exception:
        process.kill()
        raise


async def assert_each_press_stored_once(database_url: str, presses: int) -> None:
    """What a fault test checks at the end: every press stored once, none refused, each counted once in an
    incident."""
    for sql, expected in (
        ("SELECT count(*) FROM events", presses),
        ("SELECT count(DISTINCT (device_id, event_id)) FROM events", presses),
        ("SELECT count(*) FROM dead_letters", 0),
        ("SELECT sum(event_count) FROM incidents", presses),
        ("SELECT count(*) FROM incident_events", presses),
    ):
        assert await fetch_value(database_url, sql) == expected, sql


@contextlib.contextmanager
def district_broker(
    district_file: Path, settings: Settings, prefix: str, **options: Any
) -> Iterator[tuple[PrivateMosquitto, dict[str, str], str]]:
    """A private Mosquitto with the district's accounts (one per device and officer, and the hub instance's),
    binding client ids to accounts as in the field: (the broker, passwords by account, the hub's account)."""
    accounts = district_accounts(load_district(district_file), prefix, hub_instances=(settings.instance_id,))
    base = Path(tempfile.mkdtemp(prefix="sentinel-test-accounts-"))
    files = write_broker_files(accounts, base / "auth")
    passwords = {a.username: a.password for a in accounts}
    hub_account = hub_account_name(settings.instance_id)
    broker = PrivateMosquitto(
        base,
        password_file=files.password_file,
        acl_file=files.acl_file,
        login=(hub_account, passwords[hub_account]),
        bind_client_ids=True,
        **options,
    )
    broker.start()
    try:
        yield broker, passwords, hub_account
    finally:
        broker.stop()
        shutil.rmtree(base, ignore_errors=True)
