"""What the web adapter needs from the rest of the hub, and the typed keys it is kept under."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import prometheus_client
from aiohttp import web

from hub.adapters.web.sockets import SocketRegistry
from hub.domain.district import District
from hub.services.ports import ChangeFeed, HealthProbe, IncidentQueries


@dataclass(frozen=True)
class WebServices:
    queries: IncidentQueries
    changes: ChangeFeed
    district: District
    probes: Sequence[HealthProbe]
    metrics: prometheus_client.CollectorRegistry


SERVICES = web.AppKey("services", WebServices)
SOCKETS = web.AppKey("sockets", SocketRegistry)
