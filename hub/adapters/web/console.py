"""The duty desk console: one static page, its stylesheet and script, no build step."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from hub.adapters.web.hardening import PAGE_CSP
from hub.adapters.web.operations import HTML_PAGE, documented

STATIC_DIR = Path(__file__).parent / "static"

# The pages' policy (hardening.PAGE_CSP; every other answer gets the rest of the headers there too).
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@documented("console", "The duty desk console (HTML; its assets are under /static/)", {200: HTML_PAGE})
async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers=SECURITY_HEADERS)
