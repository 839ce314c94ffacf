"""What the web adapter needs from the rest of the hub, and the typed keys it is kept under."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import prometheus_client
from aiohttp import web

from hub.adapters.web.limits import HttpLimits
from hub.adapters.web.recent_auth import RecentPrincipals
from hub.adapters.web.sockets import SocketRegistry
from hub.domain.district import District
from hub.services.auth import (
    AccountStore,
    AuthPolicy,
    AuthService,
    Clock,
    Credential,
    Principal,
    ThrottleStore,
    utc_now,
)
from hub.services.health import HealthMonitor
from hub.services.lifecycle import LifecycleService
from hub.services.patrol import PatrolService
from hub.services.ports import ChangeFeed, HealthProbe, IncidentQueries
from hub.services.reports import ReportSource, ShiftSummarySource
from hub.services.steps import StepService
from hub.services.warnings import WarningService


@dataclass(frozen=True)
class WebServices:
    queries: IncidentQueries
    changes: ChangeFeed
    district: District
    probes: Sequence[HealthProbe]
    metrics: prometheus_client.CollectorRegistry
    accounts: AccountStore
    auth_policy: AuthPolicy = field(default_factory=AuthPolicy)
    login_throttle: ThrottleStore | None = None  # None: in memory (unit tests)
    clock: Clock = utc_now
    lifecycle: LifecycleService | None = None  # None: a read-only server (and unit tests of reads)
    media_files: MediaFileLookup | None = None
    warnings: WarningService | None = None
    audio_files: MediaFileLookup | None = None  # rendered speech by content hash
    reports: ReportSource | None = None  # supervisors' reports (None: answered with 503)
    shift_summary: ShiftSummarySource | None = None  # the desk's shift summary (None: answered with 503)
    patrol: PatrolService | None = None  # video patrol tours and log (None: answered with 503)
    steps: StepService | None = None  # guided response steps (None: none shown, ticking answered with 503)
    http_limits: HttpLimits = field(default_factory=HttpLimits)  # reaping idle and slow connections
    live_max_viewers: int = 16  # camera live views relayed at once (and a quarter of that per camera, at least 2)
    health: HealthMonitor | None = None  # the dependencies' state: /readyz, the streams' health frames
    # Whether an error means the database is unreachable (answered 503 database_unavailable, not 500).
    is_database_outage: Callable[[BaseException], bool] = lambda _error: False


class MediaFileLookup(Protocol):
    def resolve(self, relative: str) -> Path | None: ...


SERVICES = web.AppKey("services", WebServices)
SOCKETS = web.AppKey("sockets", SocketRegistry)
AUTH = web.AppKey("auth", AuthService)
RECENT = web.AppKey("recent_principals", RecentPrincipals)
PRINCIPAL = web.RequestKey("principal", Principal)
CREDENTIAL = web.RequestKey("credential", Credential)
