"""Errors as JSON (hub.adapters.web.models.error.Error: `{"error": {"code": ..., "message": ...}}`), never an HTML
page."""

from __future__ import annotations

import functools
import json
from typing import Any

import asyncpg
import structlog
from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from hub.adapters.web.context import SERVICES
from hub.adapters.web.models.error import Error, ErrorDetail
from hub.services.health import DATABASE

log = structlog.get_logger(__name__)

dumps = functools.partial(json.dumps, ensure_ascii=False)
"""JSON as the web adapter writes it: UTF-8 text, Chinese left readable."""


class ApiError(Exception):
    """A request the API refuses, with the status, a stable machine code and a human message."""

    def __init__(self, status: int, code: str, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.params = params or {}  # what the code refers to, for the console to say in its language


class BadRequest(ApiError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, code, message)


class NotFound(ApiError):
    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(404, code, message)


def json_ok(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps)


def json_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None
) -> web.Response:
    detail = (
        ErrorDetail(code=code, message=message, params=params) if params else ErrorDetail(code=code, message=message)
    )
    return web.json_response(Error(error=detail).dump(), status=status, headers=headers, dumps=dumps)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
}
# Headers of aiohttp's own error answers that describe its plain-text body, not ours.
_BODY_HEADERS = frozenset({hdrs.CONTENT_TYPE.lower(), hdrs.CONTENT_LENGTH.lower()})


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    code = _HTTP_CODES.get(exc.status, exc.reason.lower().replace(" ", "_").replace("-", "_"))
    text = (exc.text or "").strip()
    message = text if text and not text.startswith(f"{exc.status}:") else exc.reason
    headers = {k: v for k, v in exc.headers.items() if k.lower() not in _BODY_HEADERS}
    return json_error(exc.status, code, message, headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals become JSON 4xx; anything unexpected is logged and becomes a JSON 500."""
    with structlog.contextvars.bound_contextvars(method=request.method, path=request.path):
        try:
            return await handler(request)
        except ApiError as exc:
            return json_error(exc.status, exc.code, exc.message, params=exc.params)
        except web.HTTPException as exc:
            if exc.status < 400:  # redirects and "not modified" are answers, not errors
                raise
            return _from_http_exception(exc)
        except asyncpg.LockNotAvailableError:
            # Another writer has held the incident's site past the lock timeout (a stalled instance,
            # whose transaction the server ends within seconds): nothing was changed, try again.
            log.warning("web.request_busy", method=request.method, path=request.path)
            return json_error(503, "busy", "the incident is being changed elsewhere; try again", {"Retry-After": "2"})
        except Exception as exc:
            services = request.app.get(SERVICES)
            if services is not None and services.is_database_outage(exc):
                return database_unavailable(request, exc)
            log.exception("web.request_failed", method=request.method, path=request.path)
            return json_error(500, "internal_error", "internal server error")


DATABASE_RETRY_S = "5"


def database_unavailable(request: web.Request, error: BaseException) -> web.Response:
    """503 for a request that needs the database while it is away: what happened and since when,
    and a hint to retry (alarms from devices are not lost meanwhile: they wait at the broker)."""
    health = request.app[SERVICES].health
    since: str | None = None
    if health is not None:
        health.suspect(DATABASE)
        state = health.state(DATABASE)
        since = state.since.isoformat() if state.up is False else None
    log.warning("web.database_unavailable", method=request.method, path=request.path, error=repr(error))
    body = Error(
        error=ErrorDetail(
            code="database_unavailable",
            message="the database is unavailable; try again shortly (device alarms are queued meanwhile)",
            since=since,
        )
    )
    return web.json_response(body.dump(), status=503, headers={hdrs.RETRY_AFTER: DATABASE_RETRY_S}, dumps=dumps)
