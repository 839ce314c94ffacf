"""The DC-09 receiver's sockets: TCP (a panel keeps a connection and sends one frame at a time, each
waiting for its reply) and UDP (one frame per datagram). Both hand each frame to `Dc09Receiver` and
send its reply, which comes only after the commit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from hub.adapters.dc09.frames import CR, LF, MAX_FRAME_BYTES
from hub.adapters.dc09.receiver import Dc09Receiver

log = structlog.get_logger(__name__)

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Dc09Listen:
    """Where the receiver listens (None: not on that transport); port 0 picks a free one."""

    tcp: Address | None = None
    udp: Address | None = None
    # A panel's connection with no frame for this long is closed (it reconnects to send).
    idle_timeout_s: float = 600.0
    # UDP frames being committed at once; beyond it a datagram is dropped and the panel resends.
    max_pending_datagrams: int = 1000


class Dc09Server:
    def __init__(self, receiver: Dc09Receiver, listen: Dc09Listen) -> None:
        self._receiver = receiver
        self._listen = listen
        self._tcp: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def tcp_address(self) -> Address | None:
        if self._tcp is None or not self._tcp.sockets:
            return None
        host, port = self._tcp.sockets[0].getsockname()[:2]
        return host, port

    @property
    def udp_address(self) -> Address | None:
        if self._udp is None:
            return None
        host, port = self._udp.get_extra_info("sockname")[:2]
        return host, port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._listen.tcp is not None:
            host, port = self._listen.tcp
            self._tcp = await asyncio.start_server(self._serve_connection, host, port, limit=2 * MAX_FRAME_BYTES)
        if self._listen.udp is not None:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _DatagramProtocol(self._on_datagram), local_addr=self._listen.udp
            )
        log.info("dc09 receiver listening", tcp=self.tcp_address, udp=self.udp_address)

    async def close(self) -> None:
        if self._tcp is not None:
            self._tcp.close()
        if self._udp is not None:
            self._udp.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._tcp is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._tcp.wait_closed()
        log.info("dc09 receiver stopped")

    async def run(self) -> None:
        """Serve until cancelled (a task of the hub's TaskGroup). Start first to bind the ports
        before anything else runs, so that a port in use fails the start-up, not a task later."""
        if self._tcp is None and self._udp is None:
            await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._track(task)
        peer = _peer(writer.get_extra_info("peername"))
        try:
            while True:
                try:
                    async with asyncio.timeout(self._listen.idle_timeout_s):
                        chunk = await reader.readuntil(CR)
                except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                # Whatever came before the frame's LF is line noise; a frame never holds an LF.
                raw = chunk[chunk.rfind(LF) :] if LF in chunk else chunk
                if len(raw.strip()) == 0:
                    continue
                reply = await self._receiver.handle(raw, "tcp", peer)
                if reply is not None:
                    writer.write(reply)
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            # Cancelled: the receiver is closing. Not re-raised: asyncio's stream server reports a
            # cancelled connection task as an error in its done-callback (Python 3.11).
            pass
        except Exception as exc:  # one panel's connection must never stop the receiver
            log.error("dc09 connection failed", peer=peer, error=repr(exc))
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _on_datagram(self, data: bytes, addr: Address) -> None:
        if len(self._tasks) >= self._listen.max_pending_datagrams:
            log.warning("dc09 datagram dropped: too many in progress", peer=_peer(addr))
            return
        self._track(asyncio.create_task(self._answer_datagram(data, addr), name="dc09-datagram"))

    async def _answer_datagram(self, data: bytes, addr: Address) -> None:
        try:
            reply = await self._receiver.handle(data, "udp", _peer(addr))
        except Exception as exc:
            log.error("dc09 datagram failed", peer=_peer(addr), error=repr(exc))
            return
        if reply is not None and self._udp is not None and not self._udp.is_closing():
            self._udp.sendto(reply, addr)


class _DatagramProtocol(asyncio.DatagramProtocol):
    """Does nothing but hand each datagram over: the work happens in a task."""

    def __init__(self, on_datagram: Callable[[bytes, Address], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self._on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        log.warning("dc09 udp error", error=repr(exc))


def _peer(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)
