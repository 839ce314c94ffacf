"""What the tests of the web pages (console, officer app, sign-in) and of signing in share: the static
folder, and a hub app with no incidents and the accounts the test gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import prometheus_client
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.web import WebServices, make_app
from hub.domain.district import District
from hub.services.changes import Broadcaster
from tests.unit.test_auth_service import FakeAccounts

Client = TestClient[web.Request, web.Application]
STATIC = Path(__file__).parents[2] / "hub" / "adapters" / "web" / "static"


def static_text(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


class NoIncidents:
    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return []

    async def get_incident(self, incident_id: int) -> dict[str, Any] | None:
        return None


def page_services(accounts: FakeAccounts, **extra: Any) -> WebServices:
    """The web app's services over no incidents; `extra` sets the others (auth_policy, clock...)."""
    return WebServices(
        queries=NoIncidents(),
        changes=Broadcaster(),
        district=District("d1", "城南派出所"),
        probes=[],
        metrics=prometheus_client.CollectorRegistry(),
        accounts=accounts,
        **extra,
    )


@asynccontextmanager
async def page_client(accounts: FakeAccounts, headers: dict[str, str] | None = None) -> AsyncIterator[Client]:
    """A test client of the whole web app, over no incidents, signed in with `headers` if given."""
    async with TestClient(TestServer(make_app(page_services(accounts))), headers=headers) as client:
        yield client
