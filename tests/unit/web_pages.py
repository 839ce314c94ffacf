"""What the tests of the web pages (console, officer app, sign-in) and of signing in share: the static
folder, a hub app with no incidents and the accounts the test gives, and the checks every page passes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.web import make_app
from tests.unit.fakes.accounts import FakeAccounts
from tests.unit.fakes.web import web_services

Client = TestClient[web.Request, web.Application]
STATIC = Path(__file__).parents[2] / "hub" / "adapters" / "web" / "static"


def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@asynccontextmanager
async def page_client(accounts: FakeAccounts, headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    """A test client of the whole web app, over no incidents, signed in with `headers` if given."""
    async with TestClient(TestServer(make_app(web_services(accounts))), headers=headers) as client:
        yield client


def assert_fetches_nothing_from_outside(text: str) -> None:
    """No address, protocol-relative link, CSS import or web font: the pages work on a closed network."""
    assert not re.search(r"(https?|wss?):/", text), re.findall(r"(?:https?|wss?):/\S*", text)
    assert not re.search(r"""(src|href)\s*=\s*["']//""", text)
    assert "@import" not in text
    assert "@font-face" not in text


def assert_never_parses_as_html(script: str) -> None:
    """Hub data (names, notes, addresses) reaches the page as text only."""
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink  # (a helper module: pytest does not spell the assert out)


async def served_page(response: ClientResponse) -> str:
    """The text of a page the hub served: 200, HTML, in Chinese (the default language)."""
    assert response.status == 200, response.status
    assert response.content_type == "text/html", response.content_type
    page = await response.text()
    assert '<html lang="zh-CN">' in page
    return page


async def assert_sends_strangers_to_sign_in_and_back(client: Client, path: str) -> None:
    """A page asked for without signing in redirects to the sign-in page, which comes back to `path`."""
    response = await client.get(path, allow_redirects=False)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith("/login?")
    assert client.make_url(location).query["next"] == path
