"""GET /api/v1/media/{id}: a camera snapshot or clip kept by the hub, to the desk or to an officer
dispatched to its incident. Served with range support, so a clip can be scrubbed in the browser.

The file's own bytes decide its type (JPEG, WebM or MP4; anything else is not served), whatever was
recorded when it was fetched, and the answer cannot run as a page of the hub: `nosniff`, a sandboxing
CSP and a file name of the hub's choosing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from hub.adapters.web.api import parse_id
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, NotFound
from hub.adapters.web.operations import Answer, documented
from hub.domain.media import SUFFIXES, sniff
from hub.services.auth import Permission

# Applies when the file is opened as a document (a new tab); <img> and <video> in the console ignore it.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"


@documented(
    "getMedia",
    "A camera snapshot (JPEG) or clip (WebM, MP4) kept by the hub; supports Range requests",
    {
        200: Answer("The file.", media={"image/jpeg": {}, "video/webm": {}, "video/mp4": {}}),
        403: "Neither the desk nor an officer sent to its incident.",
        404: "No such media, no longer kept, or not a file the hub serves.",
    },
)
async def media(request: web.Request) -> web.StreamResponse:
    media_id = parse_id(request.match_info["id"], "media")
    services = request.app[SERVICES]
    info = await services.queries.media_file(media_id)
    if info is None or services.media_files is None:
        raise NotFound(f"no media {media_id}")
    principal = principal_of(request)
    if not principal.may(Permission.READ_INCIDENTS) and principal.officer_id not in info["officers"]:
        raise ApiError(403, "forbidden", "only the desk and the officers sent to its incident see this")
    path = services.media_files.resolve(info["path"])
    if path is None:
        raise NotFound(f"media {media_id} is no longer kept (retention)")
    content_type = sniff(await asyncio.to_thread(_head, path))
    if content_type is None:
        raise ApiError(404, "not_media", f"media {media_id} is not a JPEG, WebM or MP4 file and is not served")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'inline; filename="media-{media_id}{SUFFIXES[content_type]}"',
            "Content-Security-Policy": MEDIA_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(64)
