"""Authentication and authorisation at the HTTP edge.

Every route is registered with the `Access` it needs (see the route table in app.py); routes added
any other way make the app refuse to start, and the middleware denies them to anyone not signed in.
A request proves who it is with the console's session cookie or a bearer API token (`?token=` is
accepted on WebSocket handshakes only, where browsers cannot set headers). Cookie-authenticated
requests that change state must echo the session's CSRF token in `X-CSRF-Token`; cookie-authenticated
WebSockets and logins must come from the hub's own origin.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import AbstractRoute
from yarl import URL

from hub.adapters.web import pages
from hub.adapters.web.console import SECURITY_HEADERS
from hub.adapters.web.context import AUTH, CREDENTIAL, PRINCIPAL, RECENT, SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, json_error, json_ok
from hub.adapters.web.models.accounts import LoginRequest, Session, User
from hub.adapters.web.models.base import read_body
from hub.adapters.web.operations import HTML_PAGE, Answer, documented
from hub.services.auth import (
    AuthKind,
    AuthService,
    Credential,
    LoggedIn,
    LoginThrottled,
    Permission,
    Principal,
    client_address,
)

log = structlog.get_logger(__name__)

SESSION_COOKIE = "sentinel_session"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PATH = "/login"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NO_STORE = {"Cache-Control": "no-store"}


# ---- declaring access --------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """What a route needs: nothing (public), any signed-in principal, or a permission. A page sends
    whoever is not signed in to the login page instead of answering 401."""

    public: bool = False
    permission: Permission | None = None
    page: bool = False

    def allows(self, principal: Principal) -> bool:
        return self.permission is None or principal.may(self.permission)


PUBLIC = Access(public=True)
SIGNED_IN = Access()
ACCESS = web.AppKey("access", dict[AbstractRoute, Access])


def requires(permission: Permission) -> Access:
    return Access(permission=permission)


def page(permission: Permission) -> Access:
    return Access(permission=permission, page=True)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    access: Access


def add_routes(app: web.Application, routes: Iterable[Route]) -> None:
    """Register routes with their access (a GET also answers HEAD, with the same access)."""
    table = app[ACCESS]
    for route in routes:
        resource = app.router.add_resource(route.path)
        methods = ("GET", "HEAD") if route.method == "GET" else (route.method,)
        for method in methods:
            table[resource.add_route(method, route.handler)] = route.access


def add_public_static(app: web.Application, prefix: str, folder: Path) -> None:
    """Static files (the console's and login page's assets) are public: they hold no hub data."""
    table = app[ACCESS]
    for route in app.router.add_static(prefix, folder):
        table[route] = PUBLIC


async def check_every_route_declares_access(app: web.Application) -> None:
    """on_startup: a route registered without an Access is a bug; refuse to serve rather than guess."""
    table = app[ACCESS]
    undeclared = sorted(
        f"{route.method} {route.resource.canonical if route.resource else '?'}"
        for route in app.router.routes()
        if route not in table
    )
    if undeclared:
        raise RuntimeError(f"routes without a declared access (add them with add_routes): {', '.join(undeclared)}")


def principal_of(request: web.Request) -> Principal:
    """The principal of a request to a non-public route (the middleware has set it)."""
    return request[PRINCIPAL]


# ---- the middleware ----------------------------------------------------------------------------


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    match_info = request.match_info
    if match_info.http_exception is not None:  # no such route, or method: nothing to protect
        return await handler(request)
    access = request.app[ACCESS].get(match_info.route)
    if access is None:  # unreachable after the start-up check; deny rather than serve
        log.error("web.route_without_access", method=request.method, path=request.path)
        access = SIGNED_IN
    if access.public:
        return await handler(request)

    auth = request.app[AUTH]
    credential = credential_of(request)
    principal = await _authenticate(request, auth, credential) if credential is not None else None
    if principal is None:
        if access.page and request.method in {"GET", "HEAD"}:
            raise web.HTTPFound(login_url(request.path_qs))
        reason = "no_credentials" if credential is None else "invalid_credentials"
        await _denied(request, auth, "anonymous", 401, reason)
        return json_error(
            401,
            "unauthenticated",
            "sign in, or send an API token as `Authorization: Bearer …`",
            {**NO_STORE, hdrs.WWW_AUTHENTICATE: 'Bearer realm="sentinel"'},
        )
    if principal.kind is AuthKind.SESSION:
        if _is_websocket(request) and not same_origin(request, auth.policy.allowed_origins):
            await _denied(request, auth, principal.actor, 403, "cross_origin")
            return json_error(403, "cross_origin", "this page may not open the hub's stream")
        if request.method in UNSAFE_METHODS and not _csrf_ok(request, principal):
            await _denied(request, auth, principal.actor, 403, "csrf")
            return json_error(403, "csrf_failed", f"missing or wrong {CSRF_HEADER} header")
    if not access.allows(principal):
        await _denied(request, auth, principal.actor, 403, "role", role=principal.role.value)
        if access.page and request.method in {"GET", "HEAD"}:
            # A person in a browser (the desk opening /reports): a page in their language saying what this
            # one is for, with the way back, rather than JSON. The API's refusals stay JSON.
            return pages.refuse(pages.FORBIDDEN, SECURITY_HEADERS)
        return json_error(403, "forbidden", f"the {principal.role.value} role may not do this")
    assert credential is not None  # a principal was found for it
    request[PRINCIPAL] = principal
    request[CREDENTIAL] = credential
    with structlog.contextvars.bound_contextvars(actor=principal.actor):
        return await handler(request)


async def _authenticate(request: web.Request, auth: AuthService, credential: Credential) -> Principal | None:
    """The credential's principal; while the database is unreachable, for reading only, one this
    instance verified lately (see recent_auth.py), so the desk keeps its page and stream."""
    recent = request.app[RECENT]
    try:
        principal = await auth.authenticate(credential)
    except Exception as exc:
        if request.method in {"GET", "HEAD"} and request.app[SERVICES].is_database_outage(exc):
            remembered = recent.get(credential)
            if remembered is not None:
                log.info("web.auth_remembered_during_outage", actor=remembered.actor, path=request.path)
                return remembered
        raise
    recent.remember(credential, principal)
    return principal


def credential_of(request: web.Request) -> Credential | None:
    """The credential a request presents. An Authorization header wins and is never mixed with the
    cookie: a malformed one is an invalid credential, not a reason to try the cookie."""
    authorization = request.headers.get(hdrs.AUTHORIZATION)
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        return Credential(AuthKind.TOKEN, token.strip() if scheme.lower() == "bearer" else "")
    if _is_websocket(request) and "token" in request.query:
        return Credential(AuthKind.TOKEN, request.query["token"])
    cookie = request.cookies.get(SESSION_COOKIE)
    return Credential(AuthKind.SESSION, cookie) if cookie else None


def same_origin(request: web.Request, allowed: Iterable[str] = ()) -> bool:
    """True unless the browser says the request comes from another origin (no Origin: not a browser,
    or a same-origin GET). `allowed` adds origins, e.g. the public address behind a reverse proxy."""
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return True
    if origin in allowed:
        return True
    parts = urlsplit(origin)
    return parts.scheme in {"http", "https"} and parts.netloc.lower() == request.host.lower()


def request_client(request: web.Request, auth: AuthService) -> str:
    """The client's address: X-Forwarded-For is believed only from the configured trusted proxies."""
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), auth.policy.trusted_proxies)


def login_url(next_path: str) -> str:
    return str(URL(LOGIN_PATH).with_query(next=next_path))


def _is_websocket(request: web.Request) -> bool:
    return request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"


def _csrf_ok(request: web.Request, principal: Principal) -> bool:
    sent = request.headers.get(CSRF_HEADER, "")
    expected = principal.csrf_token or ""
    return bool(sent) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


async def _denied(request: web.Request, auth: AuthService, actor: str, status: int, reason: str, **detail: Any) -> None:
    # The path only: a `?token=` must not end up in the audit log.
    await auth.audit(
        actor,
        "access.denied",
        f"{request.method} {request.path}",
        status=status,
        reason=reason,
        client=request_client(request, auth),
        **detail,
    )


# ---- login, logout, me -------------------------------------------------------------------------


def session_json(principal: Principal) -> dict[str, Any]:
    user = User(
        username=principal.name,
        role=principal.role,
        officer_id=principal.officer_id,
        display_name=principal.display_name,
    )
    return Session(user=user, auth=principal.kind, csrf_token=principal.csrf_token).dump()


@documented(
    "login",
    "Sign in: sets the session cookie and returns the CSRF token",
    {
        200: Answer("Signed in.", Session),
        400: "Not a JSON object with a username and a password.",
        401: "Wrong username or password.",
        403: "Sent from another origin.",
        429: "Too many failed sign-ins; see Retry-After.",
    },
    description=f"Sets `{SESSION_COOKIE}` (HttpOnly, SameSite=Strict; Secure behind HTTPS). After 5 failures for "
    "a username or from an address within 5 minutes, answers 429 with `Retry-After`.",
    body=LoginRequest,
)
async def login(request: web.Request) -> web.Response:
    auth = request.app[AUTH]
    if not same_origin(request, auth.policy.allowed_origins):
        return json_error(403, "cross_origin", "sign in from the hub's own login page")
    username, password = await _credentials_from_body(request)
    outcome = await auth.login(username, password, request_client(request, auth))
    if isinstance(outcome, LoginThrottled):
        seconds = str(max(1, math.ceil(outcome.retry_after_s)))
        return json_error(
            429,
            "too_many_attempts",
            f"too many failed sign-ins; try again in {seconds} s",
            {**NO_STORE, hdrs.RETRY_AFTER: seconds},
        )
    if not isinstance(outcome, LoggedIn):
        return json_error(401, "invalid_credentials", "wrong username or password", NO_STORE)
    # This browser's previous session, if it had one, ends here.
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        old = await auth.authenticate(Credential(AuthKind.SESSION, previous))
        if old is not None:
            await auth.logout(old)
    response = json_ok(session_json(outcome.principal))
    response.headers.update(NO_STORE)
    response.set_cookie(
        SESSION_COOKIE,
        outcome.session_token,
        path="/",
        max_age=int(auth.policy.lifetime.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=auth.policy.secure_cookie,
    )
    return response


async def _credentials_from_body(request: web.Request) -> tuple[str, str]:
    """The login's own code for any malformed body, `bad_request` (the login page has always read it)."""
    if request.content_type != "application/json":
        raise BadRequest("bad_request", "send the username and password as application/json")
    try:
        body = await read_body(request, LoginRequest)
    except ApiError as exc:
        raise BadRequest("bad_request", exc.message) from None
    return body.username.strip(), body.password


@documented(
    "logout",
    "Sign out: the session ends, its cookie no longer works",
    {
        204: Answer("Signed out; the cookie is cleared."),
        403: "Called with an API token, which is revoked with `sentinel token revoke`.",
    },
)
async def logout(request: web.Request) -> web.Response:
    principal = principal_of(request)
    if principal.kind is not AuthKind.SESSION:  # refused, not malformed: the request itself is well formed
        return json_error(403, "not_a_session", "API tokens are revoked with `sentinel token revoke`")
    request.app[RECENT].forget(request[CREDENTIAL])
    await request.app[AUTH].logout(principal)
    response = web.Response(status=204, headers=NO_STORE)
    response.del_cookie(SESSION_COOKIE, path="/", samesite="Strict", secure=request.app[AUTH].policy.secure_cookie)
    return response


@documented("me", "Who is signed in, with the session's CSRF token", {200: Answer("The principal.", Session)})
async def me(request: web.Request) -> web.Response:
    response = json_ok(session_json(principal_of(request)))
    response.headers.update(NO_STORE)
    return response


@documented(
    "loginPage",
    "The sign-in page (HTML); `?next=` is where to go afterwards (a path on this hub)",
    {200: HTML_PAGE},
)
async def login_page(request: web.Request) -> web.Response:
    return pages.respond(request, pages.LOGIN, SECURITY_HEADERS)


# ---- long-lived connections --------------------------------------------------------------------


async def until_signed_out(request: web.Request) -> None:
    """Return once the request's credential stops standing for a principal allowed on its route
    (logout, revocation, the session's lifetime, a role change): a WebSocket then closes. A check
    that fails (the database is briefly away) keeps the connection: the alarm board stays up."""
    auth = request.app[AUTH]
    credential = request[CREDENTIAL]
    access = request.app[ACCESS].get(request.match_info.route, SIGNED_IN)
    interval = auth.policy.stream_recheck.total_seconds()
    while True:
        await asyncio.sleep(interval)
        try:
            principal = await auth.authenticate(credential)
        except Exception:
            log.warning("web.recheck_failed", path=request.path, exc_info=True)
            continue
        if principal is None or not access.allows(principal):
            return
