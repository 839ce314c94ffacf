"""The open WebSockets of one app, so that shutdown can close every one of them."""

from __future__ import annotations

import asyncio

import structlog
from aiohttp import WSCloseCode, web

log = structlog.get_logger(__name__)


class SocketRegistry:
    """Every live WebSocket adds itself after its handshake and discards itself in `finally`."""

    def __init__(self) -> None:
        self._sockets: set[web.WebSocketResponse] = set()

    def __len__(self) -> int:
        return len(self._sockets)

    def add(self, socket: web.WebSocketResponse) -> None:
        self._sockets.add(socket)

    def discard(self, socket: web.WebSocketResponse) -> None:
        self._sockets.discard(socket)

    async def close_all(self, code: int = WSCloseCode.GOING_AWAY, message: bytes = b"") -> None:
        """Close every socket at once; one that fails to close does not keep the others open."""
        sockets = tuple(self._sockets)
        results = await asyncio.gather(
            *(socket.close(code=code, message=message) for socket in sockets), return_exceptions=True
        )
        for result in results:
            if isinstance(result, Exception):
                log.warning("web.socket_close_failed", error=repr(result))
