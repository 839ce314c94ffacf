"""A private hub for `sentinel scenario run` without `--hub`: its own Mosquitto and PostgreSQL in a temporary
folder, the scenario's district, a DC-09 receiver, and API tokens for the desk and the supervisor. Everything
is removed afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from hub.adapters.mqtt.credentials import BrokerAccount, write_broker_files
from hub.adapters.postgres.accounts import accounts_service
from hub.app import Hub, RunningHub
from hub.config import Settings, load_district
from sentinel_dev.services import PrivateMosquitto, PrivatePostgres, free_port
from simulators.scenario.runner import Target


def _work_dir() -> Path:
    base = Path(tempfile.mkdtemp(prefix="sentinel-scenario-"))
    base.chmod(0o755)  # PostgreSQL runs as its own user when we are root
    return base


@contextlib.asynccontextmanager
async def private_hub(district_file: Path, base_settings: Settings | None = None) -> AsyncIterator[Target]:
    base = await asyncio.to_thread(_work_dir)
    lab = BrokerAccount("scenario", uuid.uuid4().hex, readwrites=("#",))
    hub_account = BrokerAccount("hub", uuid.uuid4().hex, readwrites=("#",))
    files = write_broker_files([lab, hub_account], base / "auth")
    broker = PrivateMosquitto(
        base / "mosquitto",
        password_file=files.password_file,
        acl_file=files.acl_file,
        login=("hub", hub_account.password),
    )
    database = PrivatePostgres(base / "postgres", fast_unsafe=True)
    hub_task: asyncio.Task[None] | None = None
    try:
        await asyncio.to_thread(broker.start)
        await asyncio.to_thread(database.start)
        dc09_port = free_port()
        settings = (base_settings or Settings()).model_copy(
            update={
                "mqtt_url": broker.url,
                "database_url": database.url,
                "http": f"127.0.0.1:{free_port()}",
                "district_file": district_file,
                "dc09_tcp": f"127.0.0.1:{dc09_port}",
                "data_dir": base / "data",
                "instance_id": "scenario",
            }
        )
        started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
        hub_task = asyncio.create_task(Hub(settings, load_district(district_file)).run(started))
        either: list[asyncio.Future[Any]] = [started, hub_task]
        await asyncio.wait(either, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if hub_task.done():
            hub_task.result()
        running = started.result()
        await asyncio.wait_for(running.mqtt.wait_connected(), 15)
        async with accounts_service(database.url) as auth:
            duty = await auth.create_api_token("scenario-desk", "duty", "scenario")
            supervisor = await auth.create_api_token("scenario-supervisor", "supervisor", "scenario")
        lab_url = f"mqtt://{lab.username}:{lab.password}@127.0.0.1:{broker.port}"
        yield Target(
            running.http_url, lab_url, duty.token, supervisor.token, settings.topic_prefix, ("127.0.0.1", dc09_port)
        )
    finally:
        if hub_task is not None:
            hub_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await hub_task
        await asyncio.to_thread(database.stop)
        await asyncio.to_thread(broker.stop)
        shutil.rmtree(base, ignore_errors=True)
