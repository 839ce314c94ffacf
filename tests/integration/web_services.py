"""The web app's services on a PostgreSQL pool, and a client of the app over them, for API tests that run
the web app without a hub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import prometheus_client
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.postgres.accounts import PostgresAccounts
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.adapters.web import make_app
from hub.adapters.web.context import WebServices
from hub.domain.district import District
from hub.services.changes import Broadcaster


def web_services(pool: asyncpg.Pool, district: District, **more: Any) -> WebServices:
    """Incident queries and accounts on `pool`, no probes, a fresh metrics registry; `more` adds the rest."""
    return WebServices(
        queries=PostgresIncidentQueries(pool, district),
        changes=Broadcaster(),
        district=district,
        probes=[],
        metrics=prometheus_client.CollectorRegistry(),
        accounts=PostgresAccounts(pool),
        **more,
    )


Client = TestClient[web.Request, web.Application]


@asynccontextmanager
async def web_client(pool: asyncpg.Pool, district: District, **more: Any) -> AsyncIterator[Client]:
    """A test client of the whole web app over `web_services(pool, district, **more)`."""
    async with TestClient(TestServer(make_app(web_services(pool, district, **more)))) as client:
        yield client
