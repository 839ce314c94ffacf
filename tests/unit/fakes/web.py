"""The web app's services for tests without a database: a query side with no incidents, the rest real."""

from __future__ import annotations

from typing import Any

import prometheus_client

from hub.adapters.web.context import WebServices
from hub.domain.district import District
from hub.services.auth import AccountStore
from hub.services.changes import Broadcaster


class NoIncidents:
    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return []

    async def get_incident(self, incident_id: int) -> dict[str, Any] | None:
        return None


def web_services(
    accounts: AccountStore,
    queries: Any = None,
    changes: Broadcaster | None = None,
    district: District | None = None,
    **more: Any,
) -> WebServices:
    """`queries` (none: NoIncidents), `changes`, a one-station district, no probes, a fresh metrics registry."""
    return WebServices(
        queries=queries if queries is not None else NoIncidents(),
        changes=changes if changes is not None else Broadcaster(),
        district=district if district is not None else District("d1", "城南派出所"),
        probes=[],
        metrics=prometheus_client.CollectorRegistry(),
        accounts=accounts,
        **more,
    )
