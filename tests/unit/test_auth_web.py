"""Authentication and authorisation at the HTTP edge: the real aiohttp app over an in-memory store.

(The same behaviour against PostgreSQL is in tests/integration/test_auth_api.py; the live stream's in
test_auth_web_stream.py.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.web import make_app
from hub.adapters.web.auth import ACCESS, Route, add_routes, principal_of, requires
from hub.adapters.web.operations import documented
from hub.domain.district import District
from hub.services.auth import AuthPolicy, Permission, Role
from tests.unit.fakes.accounts import FAST_HASHER, FakeAccounts, FakeClock, bearer
from tests.unit.fakes.web import web_services
from tests.unit.web_pages import assert_sends_strangers_to_sign_in_and_back

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct horse"
TIMEOUT = 5.0
ACTION = "/api/v1/test-action"  # a state-changing route added for these tests only


@documented("testAction", "A state-changing action, for the tests", {200: "Done."})
async def act(request: web.Request) -> web.Response:
    return web.json_response({"actor": principal_of(request).actor})


@pytest.fixture
def policy() -> AuthPolicy:
    return AuthPolicy(stream_recheck=timedelta(seconds=0.05))


@pytest.fixture
async def client(accounts: FakeAccounts, clock: FakeClock, policy: AuthPolicy) -> AsyncIterator[Client]:
    for username, role, officer_id in [
        ("duty1", Role.DUTY, None),
        ("super1", Role.SUPERVISOR, None),
        ("admin1", Role.ADMIN, None),
        ("o1", Role.OFFICER, "o1"),
    ]:
        await accounts.add_user(username, FAST_HASHER.hash(PASSWORD), role, officer_id, f"{username} 显示名")
    app = make_app(web_services(accounts, auth_policy=policy, clock=clock))
    add_routes(app, [Route("POST", ACTION, act, requires(Permission.ACT_ON_INCIDENTS))])
    async with TestClient(TestServer(app)) as client:
        yield client


def origin(client: Client) -> str:
    return str(client.make_url("/")).rstrip("/")


async def login(client: Client, username: str = "duty1", password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def session_cookie(client: Client) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["sentinel_session"].value


async def replay(client: Client, cookie: str) -> aiohttp.ClientResponse:
    """GET /api/v1/auth/me with only this cookie, as a stolen cookie would be used."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as other:
        response = await other.get(client.make_url("/api/v1/auth/me"), headers={"Cookie": f"sentinel_session={cookie}"})
        await response.read()
        return response


async def error_code(response: aiohttp.ClientResponse, status: int) -> str:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    return str(body["error"]["code"])


# ---- every route says who may use it -----------------------------------------------------------


async def test_every_route_declares_who_may_use_it(client: Client) -> None:
    table = client.app[ACCESS]

    assert all(route in table for route in client.app.router.routes())


async def test_an_app_with_an_undeclared_route_refuses_to_start(accounts: FakeAccounts) -> None:
    app = make_app(web_services(accounts, district=District("d1", "d")))
    app.router.add_get("/api/v1/forgotten", act)

    with pytest.raises(RuntimeError, match="GET /api/v1/forgotten"):
        async with TestClient(TestServer(app)):
            pass


# ---- 401 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/incidents"),
        ("GET", "/api/v1/incidents/1"),
        ("GET", "/api/v1/sites"),
        ("GET", "/api/v1/devices"),
        ("GET", "/api/v1/officers"),
        ("GET", "/api/v1/stream"),
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/logout"),
        ("POST", ACTION),
    ],
)
async def test_api_routes_answer_401_json_without_credentials(
    client: Client, accounts: FakeAccounts, method: str, path: str
) -> None:
    response = await client.request(method, path)

    assert await error_code(response, 401) == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert accounts.audit_log[-1] == (
        "anonymous",
        "access.denied",
        f"{method} {path}",
        {"status": 401, "reason": "no_credentials", "client": "127.0.0.1"},
    )


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer sentinel_unknown"}, {"Authorization": "Basic ZHV0eTE6cHc="}, {"Authorization": ""}],
)
async def test_a_bad_authorization_header_is_401_even_next_to_a_valid_cookie(
    client: Client, headers: dict[str, str]
) -> None:
    await login(client)

    response = await client.get("/api/v1/incidents", headers=headers)

    assert await error_code(response, 401) == "unauthenticated"


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/login", "/static/console.js", "/static/login.js"],
)
async def test_operations_docs_the_login_page_and_static_files_are_public(client: Client, path: str) -> None:
    response = await client.get(path)

    assert response.status == 200


async def test_the_console_sends_strangers_to_the_login_page_and_back(client: Client) -> None:
    await assert_sends_strangers_to_sign_in_and_back(client, "/?lang=en")


async def test_an_unknown_path_is_still_404_not_401(client: Client) -> None:
    assert await error_code(await client.get("/api/v1/nothing-here"), 404) == "not_found"


# ---- 403 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.DUTY, "/api/v1/incidents", 200),
        (Role.SUPERVISOR, "/api/v1/incidents", 200),
        (Role.ADMIN, "/api/v1/incidents", 200),
        (Role.OFFICER, "/api/v1/incidents", 403),
        (Role.OFFICER, "/api/v1/sites", 403),
        (Role.OFFICER, "/api/v1/auth/me", 200),
        (Role.DUTY, "/", 200),
    ],
)
async def test_roles_reach_what_they_may_and_nothing_else(
    client: Client, accounts: FakeAccounts, role: Role, path: str, status: int
) -> None:
    response = await client.get(path, headers=bearer(accounts.issue_token(role, officer_id="o1")))

    assert response.status == status
    if status == 403:
        assert await error_code(response, 403) == "forbidden"
        assert accounts.audit_log[-1][1:3] == ("access.denied", f"GET {path}")
        assert accounts.audit_log[-1][3]["reason"] == "role"


async def test_an_officer_cannot_act_on_incidents(client: Client, accounts: FakeAccounts) -> None:
    response = await client.post(ACTION, headers=bearer(accounts.issue_token(Role.OFFICER, officer_id="o1")))

    assert await error_code(response, 403) == "forbidden"


# ---- CSRF ------------------------------------------------------------------------------------------


async def test_a_cookie_session_must_echo_its_csrf_token_to_change_anything(
    client: Client, accounts: FakeAccounts
) -> None:
    session = await login(client)

    missing = await client.post(ACTION)
    wrong = await client.post(ACTION, headers={"X-CSRF-Token": "x" + session["csrf_token"][1:]})
    right = await client.post(ACTION, headers={"X-CSRF-Token": session["csrf_token"]})

    assert await error_code(missing, 403) == "csrf_failed"
    assert await error_code(wrong, 403) == "csrf_failed"
    assert right.status == 200
    assert await right.json() == {"actor": "user:duty1"}
    denied = [detail["reason"] for _, action, _, detail in accounts.audit_log if action == "access.denied"]
    assert denied == ["csrf", "csrf"]


async def test_logout_without_the_csrf_token_is_refused_and_the_session_lives_on(client: Client) -> None:
    await login(client)

    assert await error_code(await client.post("/api/v1/auth/logout"), 403) == "csrf_failed"
    assert (await client.get("/api/v1/auth/me")).status == 200


async def test_bearer_token_requests_need_no_csrf_token(client: Client, accounts: FakeAccounts) -> None:
    response = await client.post(ACTION, headers=bearer(accounts.issue_token(Role.DUTY, name="wall")))

    assert response.status == 200
    assert await response.json() == {"actor": "token:wall"}


# ---- login, me, logout -----------------------------------------------------------------------------


async def test_login_sets_a_strict_httponly_cookie_and_returns_the_user_and_csrf_token(client: Client) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "o1", "password": PASSWORD})

    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["user"] == {"username": "o1", "role": "officer", "officer_id": "o1", "display_name": "o1 显示名"}
    assert body["auth"] == "session" and len(body["csrf_token"]) >= 40
    cookie = response.cookies["sentinel_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert int(cookie["max-age"]) == 12 * 3600
    assert not cookie["secure"]
    me = await (await client.get("/api/v1/auth/me")).json()
    assert me == body


async def test_the_cookie_is_secure_when_the_console_is_behind_https(accounts: FakeAccounts) -> None:
    await accounts.add_user("duty1", FAST_HASHER.hash(PASSWORD), Role.DUTY, None, "")
    services = web_services(accounts, district=District("d1", "d"), auth_policy=AuthPolicy(secure_cookie=True))
    async with TestClient(TestServer(make_app(services))) as client:
        response = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})

        assert response.cookies["sentinel_session"]["secure"] is True


async def test_me_with_a_token_has_no_csrf_token(client: Client, accounts: FakeAccounts) -> None:
    response = await client.get("/api/v1/auth/me", headers=bearer(accounts.issue_token(Role.DUTY, name="ci")))

    assert await response.json() == {
        "user": {"username": "ci", "role": "duty", "officer_id": None, "display_name": "ci"},
        "auth": "token",
        "csrf_token": None,
    }


async def test_a_wrong_password_is_401_and_audited(client: Client, accounts: FakeAccounts) -> None:
    response = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": "nope"})

    assert await error_code(response, 401) == "invalid_credentials"
    assert "sentinel_session" not in response.cookies
    assert accounts.audit_log[-1][1:3] == ("auth.login_failed", "duty1")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": "username=duty1&password=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        {"data": "{not json", "headers": {"Content-Type": "application/json"}},
        {"json": ["duty1", PASSWORD]},
        {"json": {"username": "duty1"}},
        {"json": {"username": "duty1", "password": 12345678}},
        {"json": {"username": "d" * 65, "password": PASSWORD}},
    ],
)
async def test_a_malformed_login_is_400(client: Client, kwargs: dict[str, Any]) -> None:
    assert await error_code(await client.post("/api/v1/auth/login", **kwargs), 400) == "bad_request"


async def test_a_login_posted_from_another_site_is_refused(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        json={"username": "duty1", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )

    assert await error_code(response, 403) == "cross_origin"


async def test_repeated_bad_logins_are_throttled_with_retry_after(client: Client) -> None:
    for _ in range(3):
        response = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": "nope"})
        assert response.status == 401

    response = await client.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})

    assert await error_code(response, 429) == "too_many_attempts"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_after_logout_the_same_cookie_is_refused(client: Client) -> None:
    session = await login(client)
    cookie = session_cookie(client)
    assert (await replay(client, cookie)).status == 200

    response = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": session["csrf_token"]})

    assert response.status == 204
    assert response.cookies["sentinel_session"].value == ""
    assert (await replay(client, cookie)).status == 401


async def test_signing_in_again_ends_the_browsers_previous_session(client: Client) -> None:
    await login(client)
    first = session_cookie(client)

    await login(client, "super1")

    assert (await replay(client, first)).status == 401
    assert (await (await client.get("/api/v1/auth/me")).json())["user"]["username"] == "super1"


async def test_logout_with_an_api_token_says_to_revoke_it_instead(client: Client, accounts: FakeAccounts) -> None:
    response = await client.post("/api/v1/auth/logout", headers=bearer(accounts.issue_token(Role.DUTY)))

    assert await error_code(response, 403) == "not_a_session"


async def test_an_idle_session_expires(client: Client, clock: FakeClock) -> None:
    await login(client)
    clock.advance(minutes=31)

    assert (await client.get("/api/v1/auth/me")).status == 401
