"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import prometheus_client
import structlog
from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import json_ok
from hub.adapters.web.models.ops import Liveness, Probe, Readiness
from hub.adapters.web.operations import Answer, documented
from hub.services.ports import HealthProbe

log = structlog.get_logger(__name__)


@documented("healthz", "Liveness: the process answers", {200: Answer("Alive.", Liveness)})
async def healthz(request: web.Request) -> web.Response:
    """The process is alive and its event loop answers; says nothing about dependencies."""
    return json_ok(Liveness(status="ok").dump())


def _probe_ready(probe: HealthProbe) -> bool:
    try:
        return bool(probe.is_ready())
    except Exception:
        log.exception("web.probe_failed", probe=getattr(probe, "name", repr(probe)))
        return False


@documented(
    "readyz",
    "Readiness: every dependency is up",
    {200: Answer("Ready.", Readiness), 503: Answer("At least one probe or dependency is not ready.", Readiness)},
)
async def readyz(request: web.Request) -> web.Response:
    """Ready to serve only when every dependency is up (503 otherwise, for the balancer and the
    operator): `dependencies` names each one the health monitor watches, in which state since when. The
    routine process starting with the hub is "starting" there (no outage: no banner) but holds readiness,
    since a heartbeat or a speaker's ack sent before its broker session exists may be lost."""
    services = request.app[SERVICES]
    probes = [Probe(name=probe.name, ready=_probe_ready(probe)) for probe in services.probes]
    ready = all(probe.ready for probe in probes)
    dependencies = failing = None
    if services.health is not None:
        dependencies = [state.view(with_error=True) for state in services.health.states]
        failing = services.health.not_up()
        ready = ready and services.health.ok
    readiness = Readiness(
        status="ready" if ready else "not_ready", probes=probes, dependencies=dependencies, failing=failing
    )
    return json_ok(readiness.dump(), 200 if ready else 503)


@documented(
    "metrics",
    "Prometheus metrics",
    {200: Answer("Prometheus text exposition format 0.0.4.", media={"text/plain": {"schema": {"type": "string"}}})},
)
async def metrics(request: web.Request) -> web.Response:
    body = prometheus_client.generate_latest(request.app[SERVICES].metrics)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})
