"""The live stream at /api/v1/stream: a snapshot of the open incidents, then every change.

Protocol (server → client, JSON text frames):
  {"type": "health", "ok": true|false, "dependencies": [{"name", "state", "up", "since"}, ...]}
                                             first, on every connection, then whenever a dependency
                                             goes down, comes back or is starting (and after each
                                             resync); names: "database", "broker", "change_feed",
                                             "routine_process" (the routine lane's own process);
                                             `state` "up", "down" or "starting" (the routine process
                                             coming up with the hub: no outage; `up` null); `since`
                                             (RFC 3339) is when the current state began; `ok` while
                                             none is down. Sent straight from the hub's memory, so
                                             it arrives while the database is down
  {"type": "snapshot", "incidents": [...]}   once: every open incident (while the database is down
                                             it comes as soon as the database is back)
  {"type": "incident", "incident": {...}}    an incident changed (a final state removes it)
  {"type": "resync"}                         changes were lost: reload the open incidents
  {"type": "pong"}                           the answer to a client's {"type": "ping"}
  any other type                             passed through from the change feed unchanged
Client → server: only {"type": "ping"}, which lets a browser notice a dead link; the rest is ignored.
The server closes with 1008 (policy violation) when the client's session or token ends (logout,
revocation, the session's lifetime): the console then finds it must sign in again.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from aiohttp import WSCloseCode, WSMsgType, web

from hub.adapters.web.auth import principal_of, until_signed_out
from hub.adapters.web.context import SERVICES, SOCKETS
from hub.adapters.web.errors import dumps
from hub.adapters.web.models.ops import DispatchSnapshotFrame, OfficerStreamMessage, SnapshotFrame, StreamMessage
from hub.adapters.web.operations import Answer, documented
from hub.services.changes import Frame
from hub.services.health import HealthMonitor
from hub.services.ports import ChangeSubscription, JsonObject

log = structlog.get_logger(__name__)

HEARTBEAT_S = 20.0
SNAPSHOT_LIMIT = 1000
MAX_CLIENT_MESSAGE = 4096
SNAPSHOT_RETRY_S = 2.0  # while the database is down, a new stream tries its snapshot this often
PONG = {"type": "pong"}

# The handshake's headers (RFC 6455): a plain GET without them is answered 400.
WEBSOCKET_HANDSHAKE: tuple[dict[str, Any], ...] = (
    {"name": "Upgrade", "in": "header", "required": True, "schema": {"const": "websocket"}},
    {"name": "Connection", "in": "header", "required": True, "schema": {"const": "Upgrade"}},
    {"name": "Sec-WebSocket-Version", "in": "header", "required": True, "schema": {"const": "13"}},
    {
        "name": "Sec-WebSocket-Key",
        "in": "header",
        "required": True,
        "description": "16 random bytes, base64.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/]{21}[AQgw]==$"},
    },
)
_NOT_AN_UPGRADE = "Not a WebSocket upgrade request."

_STREAM_DESCRIPTION = """\
WebSocket (JSON text frames). On connect the server subscribes to changes, sends
`{"type": "health", "ok": ..., "dependencies": [...]}` (again whenever the database, the broker link,
the change feed or the routine process goes down, comes back or is starting; `ok` while none is down),
then `{"type": "snapshot", "incidents": [...]}` with
every open incident (while the database is down: as soon as it is back), then every change as it is
committed: `{"type": "incident", "incident": {...}}` (an incident in a final state leaves the open
set), `{"type": "resync"}` (changes were lost: reload the open incidents, or reconnect), and other
types unchanged. A client may send `{"type": "ping"}` and gets `{"type": "pong"}`, to notice a dead
link. The server pings every 20 s and closes with 1001 when the hub shuts down."""


@documented(
    "stream",
    "Live changes (WebSocket)",
    {
        101: Answer("Switching to the WebSocket protocol; each frame is a StreamMessage (`x-sentinel-frames`)."),
        400: _NOT_AN_UPGRADE,
    },
    description=_STREAM_DESCRIPTION,
    parameters=(
        {
            "name": "token",
            "in": "query",
            "description": "An API token, for clients that cannot set `Authorization` (accepted on this WebSocket "
            "handshake only).",
            "schema": {"type": "string"},
        },
        *WEBSOCKET_HANDSHAKE,
    ),
    websocket=True,
    frames=StreamMessage,
)
async def stream(request: web.Request) -> web.WebSocketResponse:
    queries = request.app[SERVICES].queries

    async def snapshot() -> JsonObject:
        return SnapshotFrame(type="snapshot", incidents=await queries.list_incidents("open", SNAPSHOT_LIMIT)).dump()

    return await _serve(request, snapshot)


@documented(
    "officerStream",
    "WebSocket: a snapshot of the officer's active dispatches, then each change",
    {
        101: Answer(
            "Switching to the WebSocket protocol; each frame is an OfficerStreamMessage (`x-sentinel-frames`)."
        ),
        400: _NOT_AN_UPGRADE,
        403: "Not an officer's own account.",
    },
    parameters=WEBSOCKET_HANDSHAKE,
    websocket=True,
    frames=OfficerStreamMessage,
)
async def officer_stream(request: web.Request) -> web.WebSocketResponse:
    """An officer's own dispatches: {"type": "snapshot", "dispatches": [...]}, then each change of
    one of them as {"type": "dispatch", "dispatch": {...}} (and health/resync/pong as above)."""
    queries = request.app[SERVICES].queries
    officer_id = principal_of(request).officer_id
    if not officer_id:
        raise web.HTTPForbidden(text="only an officer's own account has dispatches")

    async def snapshot() -> JsonObject:
        dispatches = await queries.dispatches_for_officer(officer_id, True)
        return DispatchSnapshotFrame(type="snapshot", dispatches=dispatches).dump()

    def mine(change: JsonObject) -> bool:
        if change.get("type") == "dispatch":
            return change["dispatch"].get("officer_id") == officer_id
        return change.get("type") in ("resync", "health")

    return await _serve(request, snapshot, mine)


async def _serve(
    request: web.Request,
    snapshot: Callable[[], Awaitable[JsonObject]],
    wanted: Callable[[JsonObject], bool] | None = None,
) -> web.WebSocketResponse:
    """A live stream: the snapshot, then the wanted changes, until the client or its credential goes."""
    services = request.app[SERVICES]
    sockets = request.app[SOCKETS]
    socket = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_CLIENT_MESSAGE)
    await socket.prepare(request)
    sockets.add(socket)
    close_code = WSCloseCode.OK
    try:
        # Subscribe first, then read the snapshot: a change committed in between is in the
        # subscription's queue and is sent after the snapshot, so the client misses nothing.
        with services.changes.subscribe() as subscription:
            feed = _Feed(socket, subscription, snapshot, wanted, services.health, services.is_database_outage)
            if await _forward_until_closed(socket, feed, until_signed_out(request)):
                close_code = WSCloseCode.POLICY_VIOLATION
    except ConnectionResetError:
        log.debug("web.stream_client_gone", path=request.path)
    except Exception:
        log.exception("web.stream_failed", method=request.method, path=request.path)
        close_code = WSCloseCode.INTERNAL_ERROR
    finally:
        sockets.discard(socket)
    if not socket.closed:
        await socket.close(code=close_code)
    return socket


async def _forward_until_closed(
    socket: web.WebSocketResponse, feed: _Feed, signed_out: Coroutine[Any, Any, None]
) -> bool:
    """Read and send side by side, so a client that goes away is noticed even when nothing changes;
    when either side ends, or the client's credential does, the others are cancelled.
    Returns True when the credential ended."""
    reader = asyncio.create_task(_read_until_closed(socket), name="web-stream-read")
    sender = asyncio.create_task(feed.send(), name="web-stream-send")
    watcher = asyncio.create_task(signed_out, name="web-stream-auth")
    tasks = (reader, sender, watcher)
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        error = task.exception()
        if error is not None:
            raise error
    return watcher in done


async def _read_until_closed(socket: web.WebSocketResponse) -> None:
    async for message in socket:
        if message.type is WSMsgType.ERROR:
            return
        if message.type is WSMsgType.TEXT and _is_ping(message.data):
            await socket.send_json(PONG)


@dataclass
class _Feed:
    """What one stream sends: the health frame, the snapshot (once the database can give it), then
    the wanted changes."""

    socket: web.WebSocketResponse
    subscription: ChangeSubscription
    snapshot: Callable[[], Awaitable[JsonObject]]
    wanted: Callable[[JsonObject], bool] | None
    health: HealthMonitor | None
    is_outage: Callable[[BaseException], bool]

    async def send(self) -> None:
        await self._send_health()
        await self._send(await self._snapshot_when_possible())
        async for change in self.subscription:
            if self.wanted is None or self.wanted(change):
                await self._send(change)
                if change.get("type") == "resync":  # a resync may have dropped a health frame
                    await self._send_health()

    async def _snapshot_when_possible(self) -> JsonObject:
        """The snapshot; while the database is down, retried every few seconds and at each health
        frame, which are passed on meanwhile. Other changes are dropped while waiting: each was
        committed before the next attempt reads the snapshot, so the snapshot holds it."""
        waited = False
        while True:
            try:
                return await self.snapshot()
            except Exception as exc:
                if not self.is_outage(exc):
                    raise
                if not waited:
                    log.info("web.stream_snapshot_waits_for_database", error=repr(exc))
                waited = True
            try:
                async with asyncio.timeout(SNAPSHOT_RETRY_S):
                    while True:
                        change = await self.subscription.get()
                        if change.get("type") == "health":
                            await self._send(change)
                            break
            except TimeoutError:
                pass

    async def _send_health(self) -> None:
        if self.health is not None:
            await self._send(self.health.frame())

    async def _send(self, frame: JsonObject) -> None:
        await self.socket.send_str(frame.text if isinstance(frame, Frame) else dumps(frame))


def _is_ping(text: str) -> bool:
    try:
        message = json.loads(text)
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("type") == "ping"


async def close_sockets(app: web.Application) -> None:
    """on_shutdown: tell every console the hub is going away (1001), so it reconnects elsewhere."""
    await app[SOCKETS].close_all(WSCloseCode.GOING_AWAY, b"hub shutting down")
