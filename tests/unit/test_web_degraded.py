"""The web adapter while the database is away: /readyz names it, the API answers 503
database_unavailable, a stream sends the health frame first and its snapshot once the database is
back, and a credential verified lately still opens pages and streams (reading only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.web import make_app
from hub.services.auth import ApiTokenRecord, Role, SessionRecord
from hub.services.changes import Broadcaster
from hub.services.health import HealthMonitor, Watch
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.fakes.web import web_services
from tests.unit.test_health import FakeCheck
from tests.unit.test_web_stream import FakeIncidentQueries, incident

Client = TestClient[web.Request, web.Application]
TIMEOUT = 5.0


class OutageAccounts(FakeAccounts):
    """Accounts that cannot be read while `down`, as when PostgreSQL is stopped."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def find_api_token(self, token_hash: bytes) -> ApiTokenRecord | None:
        if self.down:
            raise ConnectionRefusedError(111, "Connect call failed")
        return await super().find_api_token(token_hash)

    async def find_session(self, token_hash: bytes) -> SessionRecord | None:
        if self.down:
            raise ConnectionRefusedError(111, "Connect call failed")
        return await super().find_session(token_hash)


def outage(error: BaseException) -> bool:
    return isinstance(error, ConnectionRefusedError)


@pytest.fixture
def database() -> FakeCheck:
    return FakeCheck("database")


@pytest.fixture
def changes() -> Broadcaster:
    return Broadcaster()


@pytest.fixture
def health(database: FakeCheck, changes: Broadcaster) -> HealthMonitor:
    return HealthMonitor([Watch(database)], changes.publish)


@pytest.fixture
def queries() -> FakeIncidentQueries:
    return FakeIncidentQueries([incident(1)])


@pytest.fixture
def accounts() -> OutageAccounts:
    return OutageAccounts()


@pytest.fixture
async def client(
    queries: FakeIncidentQueries, changes: Broadcaster, accounts: OutageAccounts, health: HealthMonitor
) -> AsyncIterator[Client]:
    services = web_services(
        accounts,
        queries=queries,
        changes=changes,
        health=health,
        is_database_outage=outage,
    )
    headers = bearer(accounts.issue_token(Role.DUTY))
    async with TestClient(TestServer(make_app(services)), headers=headers) as client:
        yield client


async def go_down(database: FakeCheck, health: HealthMonitor, queries: FakeIncidentQueries) -> None:
    database.error = ConnectionRefusedError()
    queries.failure = ConnectionRefusedError(111, "Connect call failed")
    await health.check_once("database")


async def come_back(database: FakeCheck, health: HealthMonitor, queries: FakeIncidentQueries) -> None:
    database.error = None
    queries.failure = None
    await health.check_once("database")


async def test_readyz_names_the_failing_database_and_since_when(
    client: Client, database: FakeCheck, health: HealthMonitor, queries: FakeIncidentQueries
) -> None:
    await health.check_once("database")
    assert (await client.get("/readyz")).status == 200

    await go_down(database, health, queries)
    response = await client.get("/readyz")

    assert response.status == 503
    body = await response.json()
    assert body["status"] == "not_ready"
    assert body["failing"] == ["database"]
    (state,) = body["dependencies"]
    assert state["name"] == "database" and state["up"] is False and state["error"] == "ConnectionRefusedError"
    assert datetime.fromisoformat(state["since"]) <= datetime.now(UTC)

    await come_back(database, health, queries)
    assert (await client.get("/readyz")).status == 200


async def test_a_route_that_needs_the_database_answers_503_database_unavailable_not_500(
    client: Client, database: FakeCheck, health: HealthMonitor, queries: FakeIncidentQueries
) -> None:
    await client.get("/api/v1/incidents")  # verified once: remembered
    await go_down(database, health, queries)

    response = await client.get("/api/v1/incidents?state=open")

    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    error = (await response.json())["error"]
    assert error["code"] == "database_unavailable"
    assert error["since"] == health.state("database").since.isoformat()


async def test_an_unremembered_credential_gets_503_too_while_the_database_is_down(
    client: Client, accounts: OutageAccounts
) -> None:
    accounts.down = True
    response = await client.get("/api/v1/incidents")
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "database_unavailable"


async def test_a_stream_opened_during_the_outage_gets_health_first_and_its_snapshot_at_the_return(
    client: Client,
    database: FakeCheck,
    health: HealthMonitor,
    queries: FakeIncidentQueries,
    accounts: OutageAccounts,
) -> None:
    await health.check_once("database")
    async with client.ws_connect("/api/v1/stream") as ws:  # verifies the token once
        assert (await receive(ws))["type"] == "health"
        assert (await receive(ws))["type"] == "snapshot"
    await go_down(database, health, queries)
    accounts.down = True

    async with client.ws_connect("/api/v1/stream") as ws:
        first = await receive(ws)
        assert first["type"] == "health" and first["ok"] is False
        assert first["dependencies"][0]["up"] is False
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ws.receive_json(), 0.3)  # no snapshot while it is down

        accounts.down = False
        await come_back(database, health, queries)
        back = await receive(ws)
        assert back["type"] == "health" and back["ok"] is True
        snapshot = await receive(ws)
        assert snapshot == {"type": "snapshot", "incidents": [incident(1)]}


async def test_remembered_credentials_read_but_never_write_while_the_database_is_down(
    client: Client, accounts: OutageAccounts
) -> None:
    assert (await client.get("/api/v1/auth/me")).status == 200
    accounts.down = True

    assert (await client.get("/api/v1/auth/me")).status == 200  # from memory
    refused = await client.post("/api/v1/incidents/1/ack", json={})
    assert refused.status == 503


async def receive(ws: Any) -> Any:
    return await asyncio.wait_for(ws.receive_json(), TIMEOUT)
