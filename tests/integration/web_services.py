"""The web app's services on a PostgreSQL pool, for API tests that run the web app without a hub."""

from __future__ import annotations

from typing import Any

import asyncpg
import prometheus_client

from hub.adapters.postgres.accounts import PostgresAccounts
from hub.adapters.postgres.queries import PostgresIncidentQueries
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
