"""GET /api/v1/media/{id}: a camera snapshot or clip kept by the hub, to the desk or to an officer
dispatched to its incident. Served with range support, so a clip can be scrubbed in the browser."""

from __future__ import annotations

from aiohttp import web

from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound
from hub.services.auth import Permission


async def media(request: web.Request) -> web.StreamResponse:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest("invalid_id", "media id must be a positive integer")
    services = request.app[SERVICES]
    info = await services.queries.media_file(int(raw))
    if info is None or services.media_files is None:
        raise NotFound(f"no media {raw}")
    principal = principal_of(request)
    if not principal.may(Permission.READ_INCIDENTS) and principal.officer_id not in info["officers"]:
        raise ApiError(403, "forbidden", "only the desk and the officers sent to its incident see this")
    path = services.media_files.resolve(info["path"])
    if path is None:
        raise NotFound(f"media {raw} is no longer kept (retention)")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": info["content_type"] or "application/octet-stream",
            "Cache-Control": "private, max-age=3600",
        },
    )
