"""The HTML pages (console, officer app, sign-in, reports, and the refusal of a page to a role that may
not open it): one head, written here, in front of each page's body (static/<name>.html holds only the
`<body>`), so the pages cannot drift apart in their meta tags. No build step: the page is put together
when asked for (cached while its file is unchanged) and answered with the caller's headers and an ETag,
so `Cache-Control: no-cache` revalidates with a 304.

The titles are the zh-CN ones a page shows before its script sets the chosen language's (the i18n
tables' `docTitle`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"


@dataclass(frozen=True, slots=True)
class Page:
    body: str  # the file in static/ with the page's <body>
    title: str
    styles: tuple[str, ...]  # after base.css
    script: str  # the page's module
    phone: bool = False  # the officer app: light or dark with the phone, edge to edge, installable


CONSOLE = Page("index.html", "值班台 · Sentinel", ("alarm.css", "console.css", "console-desk.css"), "console.js")
LOGIN = Page("login.html", "登录 · Sentinel", ("login.css",), "login.js")
OFFICER = Page("officer.html", "民警 · Sentinel", ("officer.css",), "officer.js", phone=True)
REPORTS = Page("reports.html", "督导报表 · Sentinel", ("alarm.css", "reports.css"), "reports.js")
# Instead of a page the signed-in role may not open (403): what that page is for, the way back, and the
# desk's alarms for a desk user (alarm.css).
FORBIDDEN = Page("forbidden.html", "无权访问 · Sentinel", ("alarm.css", "login.css", "forbidden.css"), "forbidden.js")

_DESK_META = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="dark">',
)
_PHONE_META = (
    '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="theme-color" content="#0d1b2a">',
    '<meta name="format-detection" content="telephone=no">',
    '<meta name="mobile-web-app-capable" content="yes">',
)


def head(page: Page) -> str:
    lines = [
        '<meta charset="utf-8">',
        *(_PHONE_META if page.phone else _DESK_META),
        '<meta name="referrer" content="no-referrer">',
        f"<title>{page.title}</title>",
        '<link rel="icon" href="data:,">',  # no favicon request
        *(f'<link rel="stylesheet" href="/static/{name}">' for name in ("base.css", *page.styles)),
        f'<script type="module" src="/static/{page.script}"></script>',
    ]
    return "<head>\n" + "".join(f"  {line}\n" for line in lines) + "</head>\n"


def html(page: Page) -> bytes:
    """The whole document."""
    return composed(page)[0]


def composed(page: Page) -> tuple[bytes, str]:
    """The whole document and its ETag, put together again when the page's file has changed."""
    return _composed(page, (STATIC_DIR / page.body).stat().st_mtime_ns)


@functools.lru_cache(maxsize=16)  # a new key when a file changes (development)
def _composed(page: Page, mtime_ns: int) -> tuple[bytes, str]:
    body = (STATIC_DIR / page.body).read_text(encoding="utf-8")
    if body.startswith("<!--"):  # the file's note to its reader
        body = body[body.index("-->") + 3 :].lstrip("\n")
    document = f'<!doctype html>\n<html lang="zh-CN">\n{head(page)}{body}</html>\n'.encode()
    return document, '"' + hashlib.sha256(document).hexdigest()[:32] + '"'


def refuse(page: Page, headers: Mapping[str, str]) -> web.Response:
    """The page as a 403 answer (at the address the browser asked for): whole, no ETag, never stored, so the
    page itself is fetched again once an account that may open it signs in."""
    document, _ = composed(page)
    return web.Response(
        status=403,
        body=document,
        content_type="text/html",
        charset="utf-8",
        headers={**headers, "Cache-Control": "no-store"},
    )


def respond(request: web.Request, page: Page, headers: Mapping[str, str]) -> web.Response:
    document, etag = composed(page)
    answer_headers = {**headers, "ETag": etag}
    asked = {tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in asked or "*" in asked:
        return web.Response(status=304, headers=answer_headers)
    return web.Response(body=document, content_type="text/html", charset="utf-8", headers=answer_headers)
