"""The live stream: snapshot first, then every change; sockets tracked, counted and closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from hub.adapters.web import WebServices, make_app
from hub.adapters.web.context import SOCKETS
from hub.services.auth import Role
from hub.services.changes import Broadcaster, Frame
from hub.services.views.incidents import Incident, IncidentDetail
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.fakes.web import web_services
from tests.unit.test_web_api import incident

Client = TestClient[web.Request, web.Application]
STREAM = "/api/v1/stream"
TIMEOUT = 5.0


class FakeIncidentQueries:
    """Open incidents from a list; `before_snapshot` runs while the snapshot is being read."""

    def __init__(self, incidents: list[dict[str, Any]]) -> None:
        self.incidents = incidents
        self.calls: list[tuple[str | None, int]] = []
        self.before_snapshot: Callable[[], Awaitable[None]] | None = None
        self.failure: Exception | None = None

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[Incident]:
        self.calls.append((state, limit))
        if self.before_snapshot is not None:
            await self.before_snapshot()
        if self.failure is not None:
            raise self.failure
        assert state == "open"
        open_incidents = [i for i in self.incidents if i["state"] not in {"resolved", "cancelled"}]
        return [Incident.model_validate(i) for i in open_incidents[:limit]]

    async def get_incident(self, incident_id: int) -> IncidentDetail | None:
        return None


@pytest.fixture
def changes() -> Broadcaster:
    return Broadcaster()


@pytest.fixture
def queries() -> FakeIncidentQueries:
    return FakeIncidentQueries([incident(1), incident(2, "dispatched"), incident(3, "resolved")])


@pytest.fixture
def services(queries: FakeIncidentQueries, changes: Broadcaster, accounts: FakeAccounts) -> WebServices:
    return web_services(
        accounts,
        queries=queries,
        changes=changes,
    )


@pytest.fixture
async def client(services: WebServices, accounts: FakeAccounts) -> AsyncIterator[Client]:
    headers = bearer(accounts.issue_token(Role.DUTY))
    async with TestClient(TestServer(make_app(services)), headers=headers) as client:
        yield client


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait (up to TIMEOUT) for the server side to catch up with what the client just did."""
    for _ in range(int(TIMEOUT / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never became true")


async def receive(ws: Any) -> Any:
    return await asyncio.wait_for(ws.receive_json(), TIMEOUT)


async def test_stream_sends_snapshot_then_live_changes(client: Client, changes: Broadcaster) -> None:
    async with client.ws_connect(STREAM) as ws:
        snapshot = await receive(ws)
        assert snapshot["type"] == "snapshot"
        assert [i["id"] for i in snapshot["incidents"]] == [1, 2]

        changes.publish({"type": "incident", "incident": incident(4)})
        changes.publish({"type": "incident", "incident": incident(1, "resolved")})

        assert await receive(ws) == {"type": "incident", "incident": incident(4)}
        assert await receive(ws) == {"type": "incident", "incident": incident(1, "resolved")}


async def test_a_published_frame_goes_out_as_the_text_it_was_made_with_once(
    client: Client, changes: Broadcaster
) -> None:
    """Every console gets the text made when the change was published: no view serialises it again."""
    frame = Frame({"type": "incident", "incident": incident(4)})
    frame.text = '{"type": "incident", "marker": "made once"}'
    async with client.ws_connect(STREAM) as first, client.ws_connect(STREAM) as second:
        for ws in (first, second):
            assert (await receive(ws))["type"] == "snapshot"
        changes.publish(frame)
        for ws in (first, second):
            assert await receive(ws) == {"type": "incident", "marker": "made once"}


async def test_stream_subscribes_before_loading_the_snapshot(
    client: Client, changes: Broadcaster, queries: FakeIncidentQueries
) -> None:
    subscribers_while_loading: list[int] = []

    async def a_change_commits_meanwhile() -> None:
        subscribers_while_loading.append(changes.subscriber_count)
        changes.publish({"type": "incident", "incident": incident(5)})

    queries.before_snapshot = a_change_commits_meanwhile

    async with client.ws_connect(STREAM) as ws:
        assert (await receive(ws))["type"] == "snapshot"
        assert await receive(ws) == {"type": "incident", "incident": incident(5)}

    assert subscribers_while_loading == [1]
    assert queries.calls == [("open", 1000)]


async def test_stream_passes_resync_and_other_types_through(client: Client, changes: Broadcaster) -> None:
    async with client.ws_connect(STREAM) as ws:
        await receive(ws)
        changes.publish({"type": "resync"})
        changes.publish({"type": "warning", "warning": {"id": 7, "state": "playing", "text": "请离开"}})

        assert await receive(ws) == {"type": "resync"}
        assert await receive(ws) == {"type": "warning", "warning": {"id": 7, "state": "playing", "text": "请离开"}}


async def test_stream_answers_ping_with_pong(client: Client) -> None:
    async with client.ws_connect(STREAM) as ws:
        await receive(ws)
        await ws.send_str("not json")
        await ws.send_json({"type": "hello"})
        await ws.send_json({"type": "ping"})

        assert await receive(ws) == {"type": "pong"}


async def test_closing_the_client_unsubscribes_and_unregisters(client: Client, changes: Broadcaster) -> None:
    sockets = client.app[SOCKETS]
    async with client.ws_connect(STREAM) as ws:
        await receive(ws)
        assert changes.subscriber_count == 1
        assert len(sockets) == 1

    await eventually(lambda: changes.subscriber_count == 0 and len(sockets) == 0)


async def test_client_count_gauge_follows_connections(client: Client, services: WebServices) -> None:
    def connected() -> float | None:
        return services.metrics.get_sample_value("sentinel_console_clients")

    assert connected() == 0
    async with client.ws_connect(STREAM) as first, client.ws_connect(STREAM) as second:
        await receive(first)
        await receive(second)
        assert connected() == 2
        assert "sentinel_console_clients 2.0" in await (await client.get("/metrics")).text()

    await eventually(lambda: connected() == 0)


async def test_sockets_are_closed_with_1001_on_shutdown(
    services: WebServices, changes: Broadcaster, accounts: FakeAccounts
) -> None:
    app = make_app(services)
    server = TestServer(app)
    client: Client = TestClient(server, headers=bearer(accounts.issue_token(Role.DUTY)))
    await client.start_server()
    try:
        ws = await client.ws_connect(STREAM)
        await receive(ws)

        shutdown = asyncio.create_task(server.close())
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        await asyncio.wait_for(shutdown, TIMEOUT)

        assert message.type is WSMsgType.CLOSE
        assert message.data == WSCloseCode.GOING_AWAY
        assert ws.close_code == WSCloseCode.GOING_AWAY
        assert len(app[SOCKETS]) == 0
        assert changes.subscriber_count == 0
    finally:
        await client.close()


async def test_stream_without_websocket_upgrade_is_400_json(client: Client) -> None:
    response = await client.get(STREAM)

    assert response.status == 400
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["code"] == "bad_request"


async def test_a_failing_snapshot_closes_the_socket_with_1011_and_is_logged(
    client: Client, queries: FakeIncidentQueries, changes: Broadcaster
) -> None:
    queries.failure = RuntimeError("database on fire")

    with capture_logs() as logs:
        async with client.ws_connect(STREAM) as ws:
            message = await asyncio.wait_for(ws.receive(), TIMEOUT)

    assert message.type is WSMsgType.CLOSE
    assert message.data == WSCloseCode.INTERNAL_ERROR
    assert [entry["path"] for entry in logs if entry["event"] == "web.stream_failed"] == [STREAM]
    await eventually(lambda: changes.subscriber_count == 0 and len(client.app[SOCKETS]) == 0)
