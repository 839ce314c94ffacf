"""Authentication and authorisation against the private PostgreSQL: the real aiohttp app (make_app),
the real PostgresAccounts and PostgresIncidentQueries; the clock is a FakeClock so timeouts are instant."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from ipaddress import ip_network
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import WSCloseCode, WSMsgType

from hub.adapters.postgres.accounts import accounts_service
from hub.adapters.postgres.login_throttle import PostgresLoginThrottle
from hub.adapters.postgres.pool import create_pool
from hub.domain.district import District, Officer
from hub.services.auth import AuthPolicy
from tests.integration.conftest import bearer, create_api_token, create_user
from tests.integration.web_services import Client, web_client
from tests.unit.fakes.accounts import FakeClock

PASSWORD = "correct horse battery"
TIMEOUT = 5.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
async def client(database_url: str, pool: asyncpg.Pool, clock: FakeClock) -> AsyncIterator[Client]:
    district = District("d1", "城南派出所", officers={"o1": Officer("o1", "李警官", "officer")})
    for username, role, officer_id in [
        ("duty1", "duty", None),
        ("super1", "supervisor", None),
        ("o1", "officer", "o1"),
    ]:
        await create_user(database_url, username, PASSWORD, role, officer_id)
    async with web_client(
        pool,
        district,
        auth_policy=AuthPolicy(stream_recheck=timedelta(seconds=0.05), trusted_proxies=(ip_network("127.0.0.0/8"),)),
        clock=clock,
        login_throttle=PostgresLoginThrottle(pool),
    ) as client:
        yield client


async def login(client: Client, username: str = "duty1", password: str = PASSWORD) -> str:
    """Sign in (the cookie lands in the client's jar) and return the CSRF token."""
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    return str((await response.json())["csrf_token"])


def session_cookie(client: Client) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["sentinel_session"].value


async def status_with_cookie(client: Client, cookie: str, path: str = "/api/v1/incidents") -> int:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other,
        other.get(client.make_url(path), headers={"Cookie": f"sentinel_session={cookie}"}) as response,
    ):
        return response.status


async def audit(database_url: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT actor, action, target, detail::text AS detail FROM audit_log ORDER BY id")
    finally:
        await conn.close()
    return [dict(row) for row in rows]


async def test_the_api_is_401_without_credentials_and_the_failed_access_is_audited(
    client: Client, database_url: str
) -> None:
    response = await client.get("/api/v1/incidents?state=open")

    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthenticated"
    last = (await audit(database_url))[-1]
    assert (last["actor"], last["action"], last["target"]) == ("anonymous", "access.denied", "GET /api/v1/incidents")
    assert '"status": 401' in last["detail"]


async def test_roles_are_enforced_across_the_desk_and_officers(client: Client, database_url: str) -> None:
    await login(client, "o1")
    officer = await client.get("/api/v1/incidents")
    await login(client, "super1")
    supervisor = await client.get("/api/v1/incidents")

    assert officer.status == 403
    assert (await officer.json())["error"]["code"] == "forbidden"
    assert supervisor.status == 200
    assert (await supervisor.json()) == {"incidents": []}
    denied = [row for row in await audit(database_url) if row["action"] == "access.denied"]
    assert [(row["actor"], row["target"]) for row in denied] == [("user:o1", "GET /api/v1/incidents")]


async def test_a_cookie_post_without_the_csrf_token_is_403(client: Client) -> None:
    csrf = await login(client)

    missing = await client.post("/api/v1/auth/logout")
    wrong = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"})
    right = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})

    assert (missing.status, wrong.status, right.status) == (403, 403, 204)
    assert (await missing.json())["error"]["code"] == "csrf_failed"


async def test_repeated_bad_logins_are_throttled(client: Client, database_url: str) -> None:
    for _ in range(3):
        response = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": "guess"})
        assert response.status == 401

    throttled = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})

    assert throttled.status == 429
    assert int(throttled.headers["Retry-After"]) == 1  # backoff: 1 s, then 2, 4, ... up to a minute
    actions = [row["action"] for row in await audit(database_url)]
    assert actions.count("auth.login_failed") == 3
    assert actions[-1] == "auth.login_throttled"


async def test_the_desk_behind_a_proxy_signs_in_while_someone_behind_it_guesses_another_account(
    client: Client, database_url: str, clock: FakeClock
) -> None:
    nat = {"X-Forwarded-For": "198.51.100.7"}  # the station's NAT, as the trusted proxy (loopback) tells
    for _ in range(12):
        guess = await client.post("/api/v1/auth/login", json={"username": "super1", "password": "x"}, headers=nat)
        assert guess.status in (401, 429)
        clock.advance(seconds=int(guess.headers.get("Retry-After", "0")))

    desk = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD}, headers=nat)

    assert desk.status == 200
    rows = await audit(database_url)
    throttled = [row for row in rows if row["action"] == "auth.login_throttled"]
    assert throttled and all('"client": "198.51.100.7"' in row["detail"] for row in throttled)
    assert '"limit": "account_address"' in throttled[0]["detail"]


async def test_a_cookie_replayed_after_logout_is_rejected(client: Client, database_url: str) -> None:
    csrf = await login(client)
    cookie = session_cookie(client)
    assert await status_with_cookie(client, cookie) == 200

    assert (await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status == 204

    assert await status_with_cookie(client, cookie) == 401
    actions = [row["action"] for row in await audit(database_url)]
    assert actions[-3:] == ["auth.login", "auth.logout", "access.denied"]


async def test_an_idle_session_expires_and_stays_expired(client: Client, clock: FakeClock, database_url: str) -> None:
    await login(client)
    cookie = session_cookie(client)
    clock.advance(minutes=20)
    assert await status_with_cookie(client, cookie) == 200  # activity keeps it alive...
    clock.advance(minutes=25)
    assert await status_with_cookie(client, cookie) == 200

    clock.advance(minutes=31)  # ...idleness ends it

    assert await status_with_cookie(client, cookie) == 401
    clock.advance(seconds=-3600)  # even a clock that jumps back does not bring it back
    assert await status_with_cookie(client, cookie) == 401
    assert "auth.session_expired" in [row["action"] for row in await audit(database_url)]


async def test_an_unauthenticated_visit_to_the_console_goes_to_the_login_page(client: Client) -> None:
    response = await client.get("/", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == "/login?next=/"
    await login(client)
    assert (await client.get("/", allow_redirects=False)).status == 200


async def test_a_token_works_and_a_revoked_one_does_not(client: Client, database_url: str) -> None:
    token = await create_api_token(database_url, name="wall-display")

    assert (await client.get("/api/v1/sites", headers=bearer(token))).status == 200
    async with accounts_service(database_url) as auth:
        assert await auth.revoke_api_token("wall-display", "test")

    assert (await client.get("/api/v1/sites", headers=bearer(token))).status == 401


async def test_passwords_are_argon2id_and_tokens_are_stored_only_as_digests(client: Client, database_url: str) -> None:
    token = await create_api_token(database_url, name="ci")
    await client.get("/api/v1/sites", headers=bearer(token))
    await login(client)
    cookie = session_cookie(client)

    conn = await asyncpg.connect(database_url)
    try:
        hashes = await conn.fetch("SELECT password_hash FROM users")
        stored_token = await conn.fetchrow("SELECT token_hash, last_used_at FROM api_tokens WHERE name = 'ci'")
        stored_session = await conn.fetchval("SELECT token_hash FROM sessions")
        everything = await conn.fetchval(
            "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM users) t"
            " UNION ALL SELECT string_agg(t::text, ' ') FROM (SELECT * FROM sessions) t"
        )
        tokens_text = await conn.fetchval("SELECT string_agg(t::text, ' ') FROM (SELECT * FROM api_tokens) t")
        audit_text = await conn.fetchval("SELECT string_agg(t::text, ' ') FROM (SELECT * FROM audit_log) t")
    finally:
        await conn.close()
    assert hashes and all(row["password_hash"].startswith("$argon2id$v=19$") for row in hashes)
    assert stored_token["token_hash"] == hashlib.sha256(token.encode()).digest()
    assert stored_token["last_used_at"] is not None
    assert stored_session == hashlib.sha256(cookie.encode()).digest()
    for secret in (token, cookie, PASSWORD):
        for text in (everything, tokens_text, audit_text):
            assert secret not in text


async def test_a_websocket_without_credentials_is_refused(client: Client, database_url: str) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/api/v1/stream")

    assert refused.value.status == 401
    token = await create_api_token(database_url)
    async with client.ws_connect(f"/api/v1/stream?token={token}") as ws:
        assert (await asyncio.wait_for(ws.receive_json(), TIMEOUT)) == {"type": "snapshot", "incidents": []}


async def test_a_console_stream_ends_when_its_user_signs_out(client: Client) -> None:
    csrf = await login(client)
    origin = str(client.make_url("/")).rstrip("/")
    ws = await client.ws_connect("/api/v1/stream", headers={"Origin": origin})
    await asyncio.wait_for(ws.receive_json(), TIMEOUT)

    assert (await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status == 204
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)

    assert (message.type, message.data) == (WSMsgType.CLOSE, WSCloseCode.POLICY_VIOLATION)


async def test_sessions_and_accounts_are_audited(client: Client, database_url: str) -> None:
    await client.post("/api/v1/auth/login", json={"username": "duty1", "password": "nope"})
    csrf = await login(client)
    await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    await create_api_token(database_url, name="ci")

    rows = [(row["actor"], row["action"], row["target"]) for row in await audit(database_url)]

    assert rows[:3] == [
        ("test", "auth.user_created", "user:duty1"),
        ("test", "auth.user_created", "user:super1"),
        ("test", "auth.user_created", "user:o1"),
    ]
    assert rows[3][:2] == ("anonymous", "auth.login_failed")
    assert rows[4][:2] == ("user:duty1", "auth.login")
    assert rows[5][:2] == ("user:duty1", "auth.logout")
    assert rows[6] == ("test", "auth.token_created", "token:ci")
