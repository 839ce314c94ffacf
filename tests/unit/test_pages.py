"""The HTML pages share one head (hub.adapters.web.pages): each is served whole, with its own title,
stylesheets and script, the security headers, and an ETag that lets `no-cache` revalidate with a 304."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.adapters.web import pages
from hub.services.auth import Role
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.web_pages import STATIC, Client, page_client, served_page

# path, page, the role that may open it
SERVED = [
    ("/", pages.CONSOLE, Role.DUTY),
    ("/login", pages.LOGIN, None),
    ("/officer", pages.OFFICER, Role.OFFICER),
    ("/reports", pages.REPORTS, Role.SUPERVISOR),
]


@pytest.fixture
async def client(accounts: FakeAccounts) -> AsyncIterator[Client]:
    async with page_client(accounts) as client:
        yield client


def signed_in(accounts: FakeAccounts, role: Role | None) -> dict[str, str]:
    if role is None:
        return {}
    return bearer(accounts.issue_token(role, officer_id="o1" if role is Role.OFFICER else None))


@pytest.mark.parametrize(("path", "page", "role"), SERVED)
async def test_each_page_is_served_whole_with_its_own_title_styles_and_script(
    client: Client, accounts: FakeAccounts, path: str, page: pages.Page, role: Role | None
) -> None:
    response = await client.get(path, headers=signed_in(accounts, role))

    text = await served_page(response)
    assert text.startswith('<!doctype html>\n<html lang="zh-CN">\n<head>\n  <meta charset="utf-8">')
    assert text.count("<head>") == 1 and text.count("<body") == 1 and text.rstrip().endswith("</body>\n</html>")
    assert f"<title>{page.title}</title>" in text
    sheets = re.findall(r'<link rel="stylesheet" href="/static/([\w.-]+)">', text)
    assert sheets == ["base.css", *page.styles]
    assert re.findall(r'<script type="module" src="/static/([\w.-]+)">', text) == [page.script]
    assert '<meta name="referrer" content="no-referrer">' in text
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_only_the_officer_app_follows_the_phones_light_or_dark_scheme() -> None:
    officer = pages.html(pages.OFFICER).decode()
    assert '<meta name="color-scheme" content="light dark">' in officer and "viewport-fit=cover" in officer
    for page in (pages.CONSOLE, pages.LOGIN, pages.REPORTS):
        assert '<meta name="color-scheme" content="dark">' in pages.html(page).decode()


def test_the_page_files_hold_only_a_body() -> None:
    for page in (pages.CONSOLE, pages.LOGIN, pages.OFFICER, pages.REPORTS, pages.FORBIDDEN):
        text = (STATIC / page.body).read_text(encoding="utf-8")
        assert not re.search(r"<(head|html|meta|title)[ >]", text), page.body
        assert text.count("<body") == 1, page.body


@pytest.mark.parametrize(("path", "page", "role"), SERVED)
async def test_a_page_the_browser_has_is_revalidated_with_a_304(
    client: Client, accounts: FakeAccounts, path: str, page: pages.Page, role: Role | None
) -> None:
    headers = signed_in(accounts, role)
    first = await client.get(path, headers=headers)
    etag = first.headers["ETag"]

    again = await client.get(path, headers={**headers, "If-None-Match": f'W/"other", {etag}'})

    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "no-cache"
    stale = await client.get(path, headers={**headers, "If-None-Match": '"stale"'})
    assert stale.status == 200


def test_an_edited_page_file_is_served_again_with_a_new_etag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "STATIC_DIR", tmp_path)
    page = pages.Page("p.html", "P · Sentinel", (), "p.js")
    body = tmp_path / "p.html"
    body.write_text("<!-- a note to the reader -->\n<body>one</body>\n", encoding="utf-8")
    os.utime(body, ns=(1_000_000_000, 1_000_000_000))
    first, first_tag = pages.composed(page)
    body.write_text("<body>two</body>\n", encoding="utf-8")
    os.utime(body, ns=(2_000_000_000, 2_000_000_000))

    second, second_tag = pages.composed(page)

    assert b"<body>one</body>" in first and b"a note" not in first
    assert b"<body>two</body>" in second
    assert first_tag != second_tag


# ---- a page the role may not open --------------------------------------------------------------------

REFUSED = [
    ("/reports", Role.DUTY),  # the desk: the reports are the supervisors'
    ("/", Role.OFFICER),  # an officer: the console is the desk's
    ("/officer", Role.SUPERVISOR),
]


@pytest.mark.parametrize(("path", "role"), REFUSED)
async def test_a_page_the_role_may_not_open_is_refused_with_a_page_not_json(
    client: Client, accounts: FakeAccounts, path: str, role: Role
) -> None:
    response = await client.get(path, headers=signed_in(accounts, role))

    assert response.status == 403
    assert response.content_type == "text/html"
    text = await response.text()
    assert f"<title>{pages.FORBIDDEN.title}</title>" in text
    assert re.findall(r'<script type="module" src="/static/([\w.-]+)">', text) == ["forbidden.js"]
    assert 'href="/"' in text  # the way back, before the script has run
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert accounts.audit_log[-1][1:3] == ("access.denied", f"GET {path}")
    assert accounts.audit_log[-1][3]["reason"] == "role"


async def test_the_refusal_of_a_page_is_never_a_304(client: Client, accounts: FakeAccounts) -> None:
    headers = signed_in(accounts, Role.DUTY)
    etag = (await client.get("/", headers=headers)).headers["ETag"]
    refused_etag = pages.composed(pages.FORBIDDEN)[1]

    for tag in (etag, refused_etag, "*"):
        response = await client.get("/reports", headers={**headers, "If-None-Match": tag})
        assert response.status == 403 and await response.text()


async def test_the_api_refuses_the_same_role_in_json(client: Client, accounts: FakeAccounts) -> None:
    response = await client.get("/api/v1/reports?period=month&month=2026-10", headers=signed_in(accounts, Role.DUTY))

    assert response.status == 403
    assert response.content_type == "application/json"
    assert (await response.json())["error"]["code"] == "forbidden"


async def test_a_head_of_a_refused_page_is_403_too(client: Client, accounts: FakeAccounts) -> None:
    response = await client.head("/reports", headers=signed_in(accounts, Role.DUTY))

    assert response.status == 403 and await response.read() == b""
