"""The web adapter's app factory: routes, the error middleware, and the socket lifecycle."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import Gauge

from hub.adapters.web import api, console, openapi, ops, stream
from hub.adapters.web.context import SERVICES, SOCKETS, WebServices
from hub.adapters.web.errors import error_middleware
from hub.adapters.web.sockets import SocketRegistry


def make_app(services: WebServices) -> web.Application:
    """Build the aiohttp application. Nothing runs until the caller starts it (AppRunner, TestServer).

    Registers the `sentinel_console_clients` gauge on `services.metrics` (removed again on cleanup).
    """
    app = web.Application(middlewares=[error_middleware])
    app[SERVICES] = services
    sockets = app[SOCKETS] = SocketRegistry()

    clients = Gauge(
        "sentinel_console_clients",
        "Live-stream WebSocket clients connected (consoles and officer apps)",
        registry=services.metrics,
    )
    clients.set_function(lambda: len(sockets))

    async def unregister_metrics(app: web.Application) -> None:
        services.metrics.unregister(clients)

    app.on_shutdown.append(stream.close_sockets)
    app.on_cleanup.append(unregister_metrics)

    app.router.add_get("/api/v1/incidents", api.list_incidents)
    app.router.add_get("/api/v1/incidents/{id}", api.get_incident)
    app.router.add_get("/api/v1/sites", api.list_sites)
    app.router.add_get("/api/v1/devices", api.list_devices)
    app.router.add_get("/api/v1/officers", api.list_officers)
    app.router.add_get("/api/v1/stream", stream.stream)
    app.router.add_get("/api/v1/openapi.json", openapi.openapi)
    app.router.add_get("/healthz", ops.healthz)
    app.router.add_get("/readyz", ops.readyz)
    app.router.add_get("/metrics", ops.metrics)
    app.router.add_get("/", console.index)
    app.router.add_static("/static/", console.STATIC_DIR)
    return app
