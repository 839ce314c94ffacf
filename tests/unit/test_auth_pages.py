"""The sign-in page, the console's session handling, and what the OpenAPI document says about access."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.unit.fakes.accounts import FakeAccounts
from tests.unit.web_pages import (
    STATIC,
    Client,
    assert_fetches_nothing_from_outside,
    page_client,
    served_page,
    static_text,
)

LOGIN_FILES = ("login.html", "base.css", "login.css", "login.js")


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with page_client(FakeAccounts()) as client:
        yield client


# ---- the sign-in page --------------------------------------------------------------------------


async def test_the_login_page_is_served_in_chinese_with_the_consoles_security_headers(client: Client) -> None:
    response = await client.get("/login?next=/")

    await served_page(response)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_login_form_is_labelled_and_uses_password_manager_hints() -> None:
    page = static_text("login.html")

    for field, autocomplete in (("username", "username"), ("password", "current-password")):
        assert f'<label for="{field}"' in page
        assert re.search(rf'<input id="{field}"[^>]*autocomplete="{autocomplete}"', page)
    assert 'type="password"' in page
    assert 'role="alert"' in page
    assert 'method="post"' in page  # without JS, a password never lands in a URL
    for test_id in ("login-form", "login-username", "login-password", "login-submit", "login-error", "lang-toggle"):
        assert f'data-testid="{test_id}"' in page


@pytest.mark.parametrize("name", LOGIN_FILES)
def test_the_login_page_loads_nothing_from_outside_the_hub(name: str) -> None:
    text = static_text(name)

    assert_fetches_nothing_from_outside(text)
    assert "<script>" not in text and "style=" not in text  # nothing inline: the CSP forbids it


def test_the_login_page_translates_every_text_both_ways() -> None:
    page = static_text("login.html")
    script = static_text("login.js")

    keys = set(re.findall(r'data-i18n="([a-z_]+)"', page))
    assert {"heading", "username", "password", "submit"} <= keys
    zh, en = script.split("  en: {", 1)
    for key in keys | {"refused", "throttled", "offline", "missing"}:
        assert f"    {key}:" in zh
        assert f"    {key}:" in en


def test_the_login_page_only_returns_to_paths_on_this_hub() -> None:
    script = static_text("login.js")

    assert "url.origin !== window.location.origin" in script
    assert "innerHTML" not in script and "eval(" not in script


@pytest.mark.parametrize("name", ["login.js", "reports.js", "alarm-watch.js"])
def test_the_login_and_reports_scripts_are_valid_javascript(name: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    # ES modules, checked as .mjs: Node 20 guesses CommonJS for a .js file and lets a module's syntax error pass.
    module = tmp_path / f"{Path(name).stem}.mjs"
    module.write_text(static_text(name), encoding="utf-8")
    subprocess.run([node, "--check", str(module)], check=True, timeout=30)


# ---- the console's session handling ------------------------------------------------------------


def test_the_console_shows_the_user_and_a_logout_button() -> None:
    page = static_text("index.html")

    assert 'data-testid="user-name"' in page
    assert 'data-testid="logout"' in page


def test_the_console_sends_the_csrf_token_and_goes_to_login_on_401() -> None:
    script = "\n".join(
        path.read_text(encoding="utf-8") for path in [*sorted(STATIC.glob("console*.js")), STATIC / "hub-fetch.js"]
    )

    assert '"X-CSRF-Token"' in script
    assert "/api/v1/auth/me" in script and "/api/v1/auth/logout" in script
    assert "response.status === 401" in script
    assert '"/login?next=" + encodeURIComponent(' in script


# ---- OpenAPI -----------------------------------------------------------------------------------


async def test_openapi_offers_cookie_and_bearer_authentication(client: Client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sentinel_session",
        "description": schemes["cookieAuth"]["description"],
    }
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert document["security"] == [{"cookieAuth": []}, {"bearerAuth": []}]


async def test_openapi_says_what_each_operation_needs(client: Client) -> None:
    paths = (await (await client.get("/api/v1/openapi.json")).json())["paths"]

    for path in ("/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/api/v1/auth/login", "/login"):
        assert paths[path]["get" if path != "/api/v1/auth/login" else "post"]["security"] == []
    incidents = paths["/api/v1/incidents"]["get"]
    assert "security" not in incidents
    assert {"401", "403"} <= set(incidents["responses"])
    assert incidents["x-sentinel-roles"] == ["duty", "supervisor", "admin"]
    assert paths["/api/v1/sites"]["get"]["x-sentinel-permission"] == "registry:read"
    assert "401" in paths["/api/v1/auth/me"]["get"]["responses"]
    assert "403" not in paths["/api/v1/auth/me"]["get"]["responses"]
    logout = paths["/api/v1/auth/logout"]["post"]
    assert "403" in logout["responses"]
    assert [p["name"] for p in logout["parameters"]] == ["X-CSRF-Token"]
    console = paths["/"]["get"]["responses"]
    assert "302" in console and "401" not in console
