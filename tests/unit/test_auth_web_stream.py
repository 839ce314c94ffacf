"""Authentication of the live stream (the console's WebSocket) at the HTTP edge, the real aiohttp app over an
in-memory store: who may open it, from which origin, and when an open one is closed."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import WSCloseCode, WSMsgType

from hub.services.auth import Role
from tests.unit.fakes.accounts import T0, FakeAccounts, FakeClock, bearer
from tests.unit.test_auth_web import TIMEOUT, Client, login, origin
from tests.unit.test_auth_web import client as client  # the app under test, and its fixture
from tests.unit.test_auth_web import policy as policy

# ---- the WebSocket stream ----------------------------------------------------------------------


async def handshake_status(client: Client, path: str = "/api/v1/stream", **kwargs: Any) -> int:
    try:
        ws = await client.ws_connect(path, **kwargs)
    except aiohttp.WSServerHandshakeError as exc:
        return exc.status
    await ws.close()
    return 101


async def test_a_websocket_without_credentials_is_refused(client: Client) -> None:
    assert await handshake_status(client) == 401


async def test_a_websocket_with_a_token_in_the_query_or_header_is_accepted(
    client: Client, accounts: FakeAccounts
) -> None:
    token = accounts.issue_token(Role.DUTY)

    assert await handshake_status(client, f"/api/v1/stream?token={token}") == 101
    assert await handshake_status(client, headers=bearer(token)) == 101
    assert await handshake_status(client, headers=bearer(accounts.issue_token(Role.OFFICER, "o", "o1"))) == 403
    assert (await client.get(f"/api/v1/auth/me?token={token}")).status == 401  # query tokens: handshakes only


async def test_a_cookie_websocket_must_come_from_the_hubs_own_origin(client: Client) -> None:
    await login(client)

    assert await handshake_status(client, headers={"Origin": "https://evil.example"}) == 403
    assert await handshake_status(client, headers={"Origin": "null"}) == 403
    assert await handshake_status(client, headers={"Origin": origin(client)}) == 101


async def test_the_stream_closes_when_its_session_is_logged_out(client: Client) -> None:
    session = await login(client)
    ws = await client.ws_connect("/api/v1/stream", headers={"Origin": origin(client)})
    assert (await asyncio.wait_for(ws.receive_json(), TIMEOUT))["type"] == "snapshot"

    logout = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": session["csrf_token"]})
    assert logout.status == 204
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)

    assert message.type is WSMsgType.CLOSE
    assert message.data == WSCloseCode.POLICY_VIOLATION


async def test_the_stream_closes_when_its_token_is_revoked(client: Client, accounts: FakeAccounts) -> None:
    ws = await client.ws_connect("/api/v1/stream", headers=bearer(accounts.issue_token(Role.DUTY, name="wall")))
    await asyncio.wait_for(ws.receive_json(), TIMEOUT)

    assert await accounts.revoke_api_token("wall", T0)
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)

    assert message.type is WSMsgType.CLOSE
    assert message.data == WSCloseCode.POLICY_VIOLATION


async def test_an_open_stream_survives_a_failing_recheck(client: Client, accounts: FakeAccounts) -> None:
    ws = await client.ws_connect("/api/v1/stream", headers=bearer(accounts.issue_token(Role.DUTY)))
    await asyncio.wait_for(ws.receive_json(), TIMEOUT)

    async def database_away(token_hash: bytes) -> None:
        raise OSError("connection refused")

    accounts.find_api_token = database_away  # type: ignore[method-assign]
    await asyncio.sleep(0.2)  # several rechecks
    await ws.send_json({"type": "ping"})

    assert await asyncio.wait_for(ws.receive_json(), TIMEOUT) == {"type": "pong"}
    await ws.close()


async def test_an_open_console_stream_counts_as_activity(client: Client, clock: FakeClock) -> None:
    # A desk watching the board all night without clicking must not be signed out mid-shift; the
    # idle timeout ends sessions whose console is closed. The 12-hour lifetime still applies.
    await login(client)
    ws = await client.ws_connect("/api/v1/stream", headers={"Origin": origin(client)})
    await asyncio.wait_for(ws.receive_json(), TIMEOUT)

    for _ in range(4):
        clock.advance(minutes=20)
        await asyncio.sleep(0.2)  # a few rechecks

    assert (await client.get("/api/v1/auth/me")).status == 200
    clock.advance(hours=12)
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert (message.type, message.data) == (WSMsgType.CLOSE, WSCloseCode.POLICY_VIOLATION)
    assert (await client.get("/api/v1/auth/me")).status == 401
