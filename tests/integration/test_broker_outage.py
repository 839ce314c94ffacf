"""The broker link down: the desk's stream says so (straight from the hub, the database is fine),
/readyz names the broker, and both clear once the hub is connected again."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from hub.adapters.mqtt.credentials import BrokerAccount, write_broker_files
from hub.config import Settings
from sentinel_dev.services import PrivateMosquitto
from tests.integration.conftest import eventually, running_hub

SHOWN_WITHIN_S = 5.0  # the broker flag has a 2 s grace against reconnect blips
CLEARED_WITHIN_S = 20.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    base = tmp_path / "mqtt"
    base.mkdir()
    account = BrokerAccount("tester", uuid.uuid4().hex, readwrites=("#",))
    files = write_broker_files([account], base / "auth")
    broker = PrivateMosquitto(
        base, password_file=files.password_file, acl_file=files.acl_file, login=(account.username, account.password)
    )
    broker.start()
    yield broker
    broker.stop()


async def test_a_lost_broker_link_is_shown_on_the_desk_and_in_readyz_until_it_is_back(
    hub_settings: Settings, own_broker: PrivateMosquitto
) -> None:
    settings = hub_settings.model_copy(update={"mqtt_url": own_broker.url})
    async with (
        running_hub(settings) as hub,
        aiohttp.ClientSession(headers=hub.headers) as http,
        http.ws_connect(f"{hub.http}/api/v1/stream") as ws,
    ):
        assert (await ws.receive_json(timeout=5))["type"] == "health"
        assert (await ws.receive_json(timeout=5))["type"] == "snapshot"

        stopped_at = time.monotonic()
        await asyncio.to_thread(own_broker.stop)
        down = await _next_health(ws, timeout=SHOWN_WITHIN_S + 5)
        shown_after = time.monotonic() - stopped_at
        broker = next(d for d in down["dependencies"] if d["name"] == "broker")
        assert down["ok"] is False and broker["up"] is False
        async with http.get(f"{hub.http}/readyz") as response:
            assert response.status == 503
            assert (await response.json())["failing"] == ["broker"]

        started_at = time.monotonic()
        await asyncio.to_thread(own_broker.start)
        back = await _next_health(ws, timeout=CLEARED_WITHIN_S + 10)
        cleared_after = time.monotonic() - started_at
        assert back["ok"] is True
        await eventually(lambda: _ready(http, f"{hub.http}/readyz"), timeout=5)
    print(f"\nbroker down shown after {shown_after:.1f} s; cleared {cleared_after:.1f} s after its start")
    assert shown_after <= SHOWN_WITHIN_S
    assert cleared_after <= CLEARED_WITHIN_S


async def _next_health(ws: aiohttp.ClientWebSocketResponse, timeout: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads((await ws.receive()).data)
            if frame.get("type") == "health":
                return frame


async def _ready(http: aiohttp.ClientSession, url: str) -> bool:
    async with http.get(url) as response:
        return response.status == 200
