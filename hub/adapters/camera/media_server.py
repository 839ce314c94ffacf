"""The agent's small HTTP server for event media: `GET /media/{camera}/{day}/{file}` (snapshots and clips, with
Range support so a browser can seek in a clip) and `GET /healthz`.

A clip is published with its event, while it is still being recorded (`post_s` seconds): until it is written,
its URL answers 404 with `Retry-After`.
"""

from __future__ import annotations

from aiohttp import web

from hub.adapters.camera.media import MediaStore

MEDIA_STORE = web.AppKey("media_store", MediaStore)
_CONTENT_TYPES = {".jpg": "image/jpeg", ".webm": "video/webm"}


def make_media_app(store: MediaStore) -> web.Application:
    app = web.Application()
    app[MEDIA_STORE] = store
    app.router.add_get("/media/{path:.+}", _media)
    app.router.add_get("/healthz", _healthz)
    return app


async def _media(request: web.Request) -> web.StreamResponse:
    store = request.app[MEDIA_STORE]
    path = store.resolve(request.match_info["path"])
    content_type = _CONTENT_TYPES.get(path.suffix) if path is not None else None
    if path is None or content_type is None:
        return web.json_response({"error": "no such media (yet)"}, status=404, headers={"Retry-After": "5"})
    return web.FileResponse(path, headers={"Content-Type": content_type, "Cache-Control": "private, max-age=3600"})


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
