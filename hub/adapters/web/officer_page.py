"""The officers' mobile web app: one page (hub.adapters.web.pages), its stylesheet and scripts, no build step.

Served at /officer to officer accounts (the page redirects whoever is not signed in to /login). It
talks only to the officer API (`/api/v1/me/...`) and the live stream of the officer's own dispatches.
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.console import SECURITY_HEADERS
from hub.adapters.web.operations import HTML_PAGE, documented
from hub.adapters.web.pages import OFFICER, respond

# The console's headers, and the page may ask for the phone's location (nothing else).
OFFICER_HEADERS = {
    **SECURITY_HEADERS,
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=(), payment=()",
}


@documented("officerApp", "The officers' mobile app (HTML; its assets are under /static/)", {200: HTML_PAGE})
async def index(request: web.Request) -> web.Response:
    return respond(request, OFFICER, OFFICER_HEADERS)
