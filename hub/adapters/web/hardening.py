"""HTTP hardening of the hub's web server: connections that hold a slot without making progress are
reaped, and every answer carries the security headers.

aiohttp (3.14) has one timer per connection, `keepalive_timeout`: armed when the connection opens and
again after each response, it closes the connection if no complete request head has arrived by then.
So it bounds both an idle keep-alive connection and a request head sent byte by byte (slowloris). It
does not bound a request body: once the head is in, the handler runs and waits for the body as long
as the client likes. `body_deadline` reads the body under its own deadline before any handler sees it
(bodies are small here: at most aiohttp's `client_max_size`, 1 MiB), answering 408 and closing the
connection when it is late. After an answer, aiohttp reads and discards an unread body for at most
`lingering_time`, kept short.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from hub.adapters.web.errors import json_error

# The pages (console, officer app, login, reports) load nothing from anywhere but the hub itself: their
# own scripts and stylesheets (no inline script or style attribute), images also as data: URLs (inline
# snapshots), WebSockets to their own host ('self' covers ws:/wss: there).
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Anything else (JSON, CSV, audio, scripts, ...) is never a document that should run or load anything.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
# A PDF report opens in the browser's viewer, which `default-src 'none'` could block.
PDF_CSP = "frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: every answer of the app, including errors, files and WebSocket handshakes.
    A handler's own value wins (the media endpoint sets a sandboxing CSP)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.content_type == "text/html":
        csp = PAGE_CSP
    elif response.content_type == "application/pdf":
        csp = PDF_CSP
    else:
        csp = OTHER_CSP
    response.headers.setdefault("Content-Security-Policy", csp)


def body_deadline(timeout_s: float) -> Any:
    """A middleware that reads a request's body within `timeout_s` (handlers then get it from memory)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(timeout_s):
                    await request.read()
            except TimeoutError:
                response = json_error(408, "request_timeout", f"the request body did not arrive within {timeout_s:g} s")
                response.force_close()
                return response
        return await handler(request)

    return middleware
