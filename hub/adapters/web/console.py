"""The duty desk console: one page (hub.adapters.web.pages), its stylesheets and scripts, no build step."""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.hardening import PAGE_CSP
from hub.adapters.web.operations import HTML_PAGE, documented
from hub.adapters.web.pages import CONSOLE, STATIC_DIR, respond

__all__ = ["SECURITY_HEADERS", "STATIC_DIR", "index"]

# The pages' policy (hardening.PAGE_CSP; every other answer gets the rest of the headers there too).
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@documented("console", "The duty desk console (HTML; its assets are under /static/)", {200: HTML_PAGE})
async def index(request: web.Request) -> web.Response:
    return respond(request, CONSOLE, SECURITY_HEADERS)
