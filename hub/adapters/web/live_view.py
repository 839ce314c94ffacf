"""Live camera views for the signed-in desk, relayed by the hub so browsers never reach cameras themselves.

GET /api/v1/cameras/{id}/live       the camera's HTTP MJPEG stream, relayed frame by frame (multipart/x-mixed-replace,
                                    shown by an <img>); the connection to the camera closes when the browser goes
GET /api/v1/cameras/{id}/snapshot   one JPEG taken from the stream (the console refreshes it when live is not possible)

Only cameras whose `stream` is http(s):// MJPEG can be shown: an RTSP camera needs an MJPEG stream or the camera
agent, and a camera without a stream has no live view (404 with a code saying which). Viewers are capped in all
and per camera (503 beyond), so a wall of consoles cannot flood a camera's uplink. A relay also ends when the
viewer's session does (logout, revocation), like the live stream. Who watched which camera, and for how long, is
in the audit log (`camera.live`, written when the view ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

import aiohttp
import structlog
from aiohttp import web

from hub.adapters.mjpeg import MjpegError, mjpeg_frames, stream_kind
from hub.adapters.web.auth import principal_of, until_signed_out
from hub.adapters.web.context import AUTH, SERVICES
from hub.adapters.web.errors import ApiError, NotFound
from hub.adapters.web.operations import Answer, documented
from hub.domain.district import Device
from hub.domain.steps import SeenAction

log = structlog.get_logger(__name__)

BOUNDARY = "sentinel-frame"
MAX_FPS = 10.0  # a browser does not need more to watch a scene; cameras may send 25
CLIENT_CHECK_S = 0.5  # how often a relay looks whether its browser is still there
NO_LIVE_VIEW = {
    "none": ("no_stream", "this camera has no stream configured: no live view"),
    "rtsp": ("rtsp_stream", "live view needs an MJPEG stream or the camera agent (this camera streams RTSP)"),
    "file": ("file_stream", "live view needs an MJPEG stream or the camera agent (this camera plays a file)"),
}
_HEADERS = {"Cache-Control": "no-store, private", "X-Content-Type-Options": "nosniff"}


@dataclass
class LiveViews:
    """The relays under way, and the HTTP client that reads the cameras."""

    max_viewers: int = 16
    max_per_camera: int = 4
    session: aiohttp.ClientSession | None = None
    viewers: Counter[str] = field(default_factory=Counter)
    relays: set[asyncio.Task[None]] = field(default_factory=set)

    def admit(self, camera_id: str) -> None:
        if sum(self.viewers.values()) >= self.max_viewers or self.viewers[camera_id] >= self.max_per_camera:
            raise ApiError(503, "too_many_viewers", "too many live views open; close one and try again")
        self.viewers[camera_id] += 1

    def leave(self, camera_id: str) -> None:
        self.viewers[camera_id] -= 1
        if self.viewers[camera_id] <= 0:
            del self.viewers[camera_id]


LIVE = web.AppKey("live_views", LiveViews)


async def client_session(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one HTTP client for every relay; on shutdown the relays stop first, then the client."""
    live = app[LIVE]
    live.session = aiohttp.ClientSession(auto_decompress=False)
    yield
    await stop_relays(app)
    await live.session.close()


async def stop_relays(app: web.Application) -> None:
    """on_shutdown: end every relay, so no streaming response holds the server's shutdown up."""
    relays = list(app[LIVE].relays)
    for relay in relays:
        relay.cancel()
    await asyncio.gather(*relays, return_exceptions=True)


def _camera(request: web.Request) -> tuple[Device, str]:
    camera_id = request.match_info["id"]
    device = request.app[SERVICES].district.devices.get(camera_id)
    if device is None or device.kind != "camera":
        raise NotFound(f"no camera {camera_id!r}")
    kind = stream_kind(device.stream)
    if kind != "mjpeg":
        code, message = NO_LIVE_VIEW[kind]
        raise NotFound(message, code)
    return device, device.stream


def _session(request: web.Request) -> aiohttp.ClientSession:
    session = request.app[LIVE].session
    if session is None:
        raise ApiError(503, "unavailable", "live view is not running on this server")
    return session


def _part(jpeg: bytes) -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
    return head + jpeg + b"\r\n"


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _tick_live_view_step(request: web.Request, device: Device) -> None:
    """Watching a camera of a site with an open incident ticks its "view the cameras" step (guided response).
    The view goes on if that fails: the desk must see the site whatever the database does."""
    steps = request.app[SERVICES].steps
    if steps is None:
        return
    try:
        await steps.seen_at_site(device.site_id, SeenAction.LIVE_VIEW, principal_of(request).actor)
    except Exception as exc:
        log.warning("live view step not ticked", camera=device.id, error=repr(exc))


@documented(
    "cameraLive",
    "A camera's live view, relayed by the hub (MJPEG, for an <img>)",
    {
        200: Answer(
            "`multipart/x-mixed-replace` of JPEG images.",
            media={"multipart/x-mixed-replace": {"schema": {"type": "string", "format": "binary"}}},
        ),
        404: "No such camera, or no live view: "
        + "; ".join(f"`{code}` ({message})" for code, message in NO_LIVE_VIEW.values()),
        502: "The camera cannot be read (camera_unreachable).",
        503: "Too many live views open (too_many_viewers), or live view is not running.",
    },
    description=f"Only for cameras whose stream is HTTP MJPEG; at most {MAX_FPS:g} frames a second. The hub closes "
    "its connection to the camera when the viewer goes.",
    path={"id": {"type": "string"}},
)
async def live(request: web.Request) -> web.StreamResponse:
    device, url = _camera(request)
    views = request.app[LIVE]
    session = _session(request)
    views.admit(device.id)
    try:
        frames = mjpeg_frames(session, url)
        async with aclosing(frames):
            try:
                first = await anext(frames)
            except (MjpegError, StopAsyncIteration) as exc:
                raise ApiError(502, "camera_unreachable", f"cannot show camera {device.id}: {exc}") from None
            response = web.StreamResponse(
                headers={**_HEADERS, "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}"}
            )
            await response.prepare(request)
            relay = asyncio.create_task(_relay(response, first, frames), name=f"live-{device.id}")
            signed_out = asyncio.create_task(until_signed_out(request), name=f"live-{device.id}-session")
            views.relays.add(relay)
            opened = time.monotonic()
            log.info("live view opened", camera=device.id, viewers=views.viewers[device.id])
            await _tick_live_view_step(request, device)
            try:
                while not relay.done() and not signed_out.done():
                    await asyncio.wait({relay, signed_out}, timeout=CLIENT_CHECK_S, return_when=asyncio.FIRST_COMPLETED)
                    if _client_gone(request):
                        break
            finally:
                for task in (relay, signed_out):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionResetError, MjpegError):
                        await task
                views.relays.discard(relay)
                watched_s = round(time.monotonic() - opened, 1)
                await request.app[AUTH].audit(
                    principal_of(request).actor, "camera.live", f"camera:{device.id}", watched_s=watched_s
                )
            log.info("live view closed", camera=device.id, client_gone=_client_gone(request), watched_s=watched_s)
            return response
    finally:
        views.leave(device.id)


async def _relay(response: web.StreamResponse, first: bytes, frames: AsyncIterator[bytes]) -> None:
    """Write frames to the browser as they come, at most MAX_FPS; a slower camera sets its own pace."""
    await response.write(_part(first))
    sent_at = time.monotonic()
    try:
        async for jpeg in frames:
            now = time.monotonic()
            if now - sent_at < 1 / MAX_FPS:
                continue
            sent_at = now
            await response.write(_part(jpeg))
    except MjpegError as exc:
        log.warning("live view: camera lost", error=str(exc))


@documented(
    "cameraSnapshot",
    "One JPEG from a camera's MJPEG stream (the fallback for live view)",
    {
        200: Answer("A JPEG.", media={"image/jpeg": {}}),
        404: "No such camera, or no HTTP stream.",
        502: "The camera cannot be read (camera_unreachable).",
        503: "Too many live views open, or live view is not running.",
    },
    path={"id": {"type": "string"}},
)
async def snapshot(request: web.Request) -> web.Response:
    device, url = _camera(request)
    views = request.app[LIVE]
    session = _session(request)
    views.admit(device.id)
    try:
        async with aclosing(mjpeg_frames(session, url, frame_timeout_s=5.0)) as frames:
            jpeg = await anext(frames)
    except (MjpegError, StopAsyncIteration) as exc:
        raise ApiError(502, "camera_unreachable", f"cannot take a snapshot of camera {device.id}: {exc}") from None
    finally:
        views.leave(device.id)
    return web.Response(body=jpeg, content_type="image/jpeg", headers=_HEADERS)
