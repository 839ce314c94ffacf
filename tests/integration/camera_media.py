"""Real camera media for tests (a JPEG, a WebM and an MP4 made with OpenCV) and a camera's media server on
loopback that records what it was asked for."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from aiohttp import web

from sentinel_dev.services import free_port
from simulators.districts import synthetic_district

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def jpeg() -> bytes:
    frame = np.zeros((180, 320, 3), np.uint8)
    cv2.rectangle(frame, (100, 60), (140, 150), (0, 0, 255), 2)
    ok, data = cv2.imencode(".jpg", frame)
    assert ok
    return data.tobytes()


def video(suffix: str) -> bytes:
    """A few frames as a real WebM (VP8, as the camera agent writes) or MP4 file."""
    fourcc = {".webm": "VP80", ".mp4": "mp4v"}[suffix]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip{suffix}"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 5, (64, 48))
        for shade in range(0, 250, 50):
            writer.write(np.full((48, 64, 3), shade, np.uint8))
        writer.release()
        return path.read_bytes()


def district_with_media_origins(origins: dict[str, list[str]], **options: Any) -> dict[str, Any]:
    """The synthetic district, with `media_origins` for the given cameras."""
    district = synthetic_district(**options)
    for site in district["sites"]:
        for device in site["devices"]:
            if device["id"] in origins:
                device["media_origins"] = origins[device["id"]]
    return district


class MediaServer:
    """An HTTP server on loopback with the given routes; `hits` lists every path requested."""

    def __init__(self, routes: dict[str, Handler], port: int | None = None) -> None:
        self.port = port or free_port()
        self.routes = routes
        self.hits: list[str] = []

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[MediaServer]:
        app = web.Application()
        for path, handler in self.routes.items():
            app.router.add_get(path, self._recorded(path, handler))
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        try:
            yield self
        finally:
            await runner.cleanup()

    def _recorded(self, path: str, handler: Handler) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            self.hits.append(path)
            return await handler(request)

        return handle
