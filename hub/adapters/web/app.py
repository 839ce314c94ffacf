"""The web adapter's app factory: routes with who may use them, the middlewares, and the socket
lifecycle."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import Gauge

from hub.adapters.web import (
    actions,
    api,
    auth,
    console,
    desk,
    history,
    live_view,
    media_files,
    officer_page,
    openapi,
    ops,
    patrol_api,
    reports,
    shift_summary,
    steps_api,
    stream,
    warnings_api,
)
from hub.adapters.web.auth import PUBLIC, SIGNED_IN, Route, page, requires
from hub.adapters.web.context import AUTH, RECENT, SERVICES, SOCKETS, WebServices
from hub.adapters.web.errors import error_middleware
from hub.adapters.web.hardening import body_deadline, security_headers
from hub.adapters.web.recent_auth import RecentPrincipals
from hub.adapters.web.sockets import SocketRegistry
from hub.services.auth import AuthService, Permission


def routes() -> list[Route]:
    """Every route and the access it needs, on one screen. Routes added any other way stop the app."""
    return [
        Route("GET", "/api/v1/incidents", api.list_incidents, requires(Permission.READ_INCIDENTS)),
        Route("POST", "/api/v1/incidents", patrol_api.open_incident, requires(Permission.ACT_ON_INCIDENTS)),
        # Before /incidents/{id}: routes match in the order they are added.
        Route("GET", "/api/v1/incidents/search", history.search, requires(Permission.SUPERVISE)),
        Route("GET", "/api/v1/incidents/{id}", api.get_incident, requires(Permission.READ_INCIDENTS)),
        Route("GET", "/api/v1/sites", api.list_sites, requires(Permission.READ_REGISTRY)),
        Route("GET", "/api/v1/devices", api.list_devices, requires(Permission.READ_REGISTRY)),
        Route("GET", "/api/v1/officers", api.list_officers, requires(Permission.READ_REGISTRY)),
        Route("GET", "/api/v1/stream", stream.stream, requires(Permission.READ_INCIDENTS)),
        Route("GET", "/api/v1/media/{id}", media_files.media, SIGNED_IN),
        Route("GET", "/api/v1/messages", warnings_api.list_messages, SIGNED_IN),  # officers warn too
        Route("POST", "/api/v1/warnings", warnings_api.send_warning, requires(Permission.ACT_ON_INCIDENTS)),
        Route("GET", "/api/v1/warnings", warnings_api.list_warnings, requires(Permission.READ_INCIDENTS)),
        Route("POST", "/api/v1/me/warnings", warnings_api.officer_warning, requires(Permission.OWN_DISPATCHES)),
        Route("GET", "/audio/{key}.wav", warnings_api.audio, PUBLIC),
        Route("POST", "/api/v1/incidents/{id}/ack", actions.acknowledge, requires(Permission.ACT_ON_INCIDENTS)),
        Route("POST", "/api/v1/incidents/{id}/dispatch", actions.dispatch, requires(Permission.ACT_ON_INCIDENTS)),
        Route("POST", "/api/v1/incidents/{id}/resolve", actions.resolve, requires(Permission.ACT_ON_INCIDENTS)),
        Route(
            "POST",
            "/api/v1/incidents/{id}/steps/{step}",
            steps_api.complete_step,
            requires(Permission.ACT_ON_INCIDENTS),
        ),
        Route("POST", "/api/v1/incidents/{id}/cancel", actions.cancel, requires(Permission.ACT_ON_INCIDENTS)),
        Route("GET", "/api/v1/incidents/{id}/candidates", actions.candidates, requires(Permission.READ_INCIDENTS)),
        Route("GET", "/api/v1/roster", actions.roster, requires(Permission.READ_REGISTRY)),
        Route("POST", "/api/v1/incidents/{id}/notes", actions.add_note, requires(Permission.ACT_ON_INCIDENTS)),
        Route("GET", "/api/v1/district", desk.district, requires(Permission.READ_REGISTRY)),
        Route("GET", "/api/v1/devices/health", desk.device_health, requires(Permission.READ_REGISTRY)),
        Route("GET", "/api/v1/me/dispatches", actions.my_dispatches, requires(Permission.OWN_DISPATCHES)),
        Route("POST", "/api/v1/me/duty", actions.my_duty, requires(Permission.OWN_DISPATCHES)),
        Route("POST", "/api/v1/me/location", actions.my_location, requires(Permission.OWN_DISPATCHES)),
        Route(
            "POST", "/api/v1/me/dispatches/{dispatch_id}/reply", actions.my_reply, requires(Permission.OWN_DISPATCHES)
        ),
        Route("GET", "/api/v1/me/stream", stream.officer_stream, requires(Permission.OWN_DISPATCHES)),
        Route("POST", "/api/v1/auth/login", auth.login, PUBLIC),
        Route("POST", "/api/v1/auth/logout", auth.logout, SIGNED_IN),
        Route("GET", "/api/v1/auth/me", auth.me, SIGNED_IN),
        Route("GET", "/api/v1/openapi.json", openapi.openapi, PUBLIC),
        # Supervisors' reports (issue 9): JSON, CSV and PDF of a period, and their page.
        Route("GET", "/api/v1/reports", reports.report_json, requires(Permission.SUPERVISE)),
        Route("GET", "/api/v1/reports.csv", reports.report_csv, requires(Permission.SUPERVISE)),
        Route("GET", "/api/v1/reports.pdf", reports.report_pdf, requires(Permission.SUPERVISE)),
        Route("GET", "/reports", reports.page, page(Permission.SUPERVISE)),
        # The desk's shift summary (issue 19): what the shift saw, what was deterred, what it hands over.
        Route("GET", "/api/v1/shift-summary", shift_summary.shift_summary, requires(Permission.READ_INCIDENTS)),
        # Video patrol (issue 5): tours, rounds and their log; live camera views relayed by the hub.
        Route("GET", "/api/v1/patrol/tours", patrol_api.list_tours, requires(Permission.READ_INCIDENTS)),
        Route("POST", "/api/v1/patrol/runs", patrol_api.start_run, requires(Permission.ACT_ON_INCIDENTS)),
        Route("POST", "/api/v1/patrol/runs/{id}/views", patrol_api.log_view, requires(Permission.ACT_ON_INCIDENTS)),
        Route("POST", "/api/v1/patrol/runs/{id}/finish", patrol_api.finish_run, requires(Permission.ACT_ON_INCIDENTS)),
        Route("GET", "/api/v1/patrol/log", patrol_api.patrol_log, requires(Permission.SUPERVISE)),
        Route("GET", "/api/v1/cameras/{id}/live", live_view.live, requires(Permission.READ_INCIDENTS)),
        Route("GET", "/api/v1/cameras/{id}/snapshot", live_view.snapshot, requires(Permission.READ_INCIDENTS)),
        Route("GET", "/healthz", ops.healthz, PUBLIC),
        Route("GET", "/readyz", ops.readyz, PUBLIC),
        Route("GET", "/metrics", ops.metrics, PUBLIC),
        Route("GET", "/", console.index, page(Permission.VIEW_CONSOLE)),
        Route("GET", "/officer", officer_page.index, page(Permission.OWN_DISPATCHES)),
        Route("GET", "/login", auth.login_page, PUBLIC),
    ]


def make_app(services: WebServices) -> web.Application:
    """Build the aiohttp application. Nothing runs until the caller starts it (AppRunner, TestServer).

    Registers the `sentinel_console_clients` gauge on `services.metrics` (removed again on cleanup).
    """
    app = web.Application(
        middlewares=[error_middleware, body_deadline(services.http_limits.body_timeout_s), auth.auth_middleware]
    )
    app[SERVICES] = services
    app[AUTH] = AuthService(
        services.accounts, services.auth_policy, clock=services.clock, throttle=services.login_throttle
    )
    app[RECENT] = RecentPrincipals(services.auth_policy.idle_timeout)
    app[openapi.DOCUMENT] = {}
    app[auth.ACCESS] = {}
    app[live_view.LIVE] = live_view.LiveViews(
        max_viewers=services.live_max_viewers, max_per_camera=max(2, services.live_max_viewers // 4)
    )
    sockets = app[SOCKETS] = SocketRegistry()

    clients = Gauge(
        "sentinel_console_clients",
        "Live-stream WebSocket clients connected (consoles and officer apps)",
        registry=services.metrics,
    )
    clients.set_function(lambda: len(sockets))

    async def unregister_metrics(app: web.Application) -> None:
        services.metrics.unregister(clients)

    app.on_response_prepare.append(security_headers)
    app.on_startup.append(auth.check_every_route_declares_access)
    app.on_shutdown.append(stream.close_sockets)
    app.on_shutdown.append(live_view.stop_relays)
    app.cleanup_ctx.append(live_view.client_session)
    app.on_cleanup.append(unregister_metrics)

    auth.add_routes(app, routes())
    auth.add_public_static(app, "/static/", console.STATIC_DIR)
    return app
