"""paho-mqtt 2.x on the asyncio loop: MQTT 5, persistent session, manual acknowledgement.

paho's own network loop is not used. Its socket callbacks register the socket with the asyncio loop
(add_reader/add_writer), so paho's read/write/misc steps run on the event loop thread and every
callback here only converts and hands over (a queue put, a future resolved). Nothing past this
module sees a paho object.

Acknowledgement is manual: a message is PUBACKed only when `acknowledge()` is called, after its
content is committed. A receipt belongs to one connection: after a reconnect the broker redelivers
whatever was not acknowledged, so stale receipts are dropped instead of acknowledging the packet id
of some other message on the new connection.

Over 400 lines for a reason: one paho client and the connection state every method shares (session,
lanes, receipts, the socket's registration with the loop); split, the parts would reach into that state.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as paho
import structlog
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from devices.mqtt_url import parse_mqtt_url
from hub.services.backoff import Backoff
from hub.services.messages import InboundMessage, OutboundMessage, SendWindowClosed

log = structlog.get_logger(__name__)

_READ_BURST = 50  # packets read per wake-up before other work gets a turn (an alarm's, say)


@dataclass(frozen=True)
class MqttSettings:
    url: str  # mqtt://user:pass@host:port
    client_id: str
    subscriptions: Sequence[str] = ()
    # Filters a persistent session may still hold from another process layout (the hub's main session
    # once took the routine topics too): dropped at each connect, so the session stops queueing them.
    unsubscriptions: Sequence[str] = ()
    keepalive_s: int = 30
    # How long the broker keeps our session (and queues QoS 1 messages) while we are away.
    session_expiry_s: int = 7 * 24 * 3600
    # Unacknowledged messages the broker may have in flight to us (MQTT 5 Receive Maximum). Since we
    # acknowledge after commit, this also bounds what sits in our inbound queues. Wide, so that an alarm
    # behind a broker backlog reaches the hub's alarm lane at once instead of waiting its turn at the
    # broker (a message costs well under a kilobyte here).
    receive_maximum: int = 20_000
    # Our own outgoing in-flight window (packet ids must never wrap around). Kept here, not by paho: paho
    # scans every message in flight on each PUBACK to find one to send next, which a backlog's thousands of
    # `received` confirmations turn quadratic.
    max_inflight_out: int = 1000
    will: tuple[str, bytes] | None = None  # retained Last Will (topic, payload)
    clean_start: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Receipt:
    generation: int
    mid: int
    qos: int


class MqttError(ConnectionError):
    pass


class _Lane:
    """One inbound queue: the routine traffic, or the alarms that must never wait behind it."""

    def __init__(self, client: MqttClient) -> None:
        self._client = client
        self.queue: asyncio.Queue[InboundMessage] = asyncio.Queue()

    async def next_batch(self, max_messages: int) -> list[InboundMessage]:
        batch = [await self.queue.get()]
        while len(batch) < max_messages and not self.queue.empty():
            batch.append(self.queue.get_nowait())
        return batch

    def acknowledge(self, messages: Sequence[InboundMessage]) -> None:
        self._client.acknowledge(messages)


class MqttClient:
    """A long-lived connection with reconnect and backoff. Run `run()` as a task.

    Inbound messages go to one of two lanes: `alarms` takes those `is_alarm(topic, payload)` picks,
    the client itself (`next_batch`) the rest; each lane has its own consumer."""

    name = "mqtt"

    def __init__(
        self, settings: MqttSettings, is_alarm: Callable[[str, bytes | bytearray], bool] | None = None
    ) -> None:
        self._settings = settings
        endpoint = parse_mqtt_url(settings.url)
        self._host, self._port = endpoint.host, endpoint.port
        self._username, self._password = endpoint.username, endpoint.password
        self._tls = endpoint.tls
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._client: paho.Client | None = None
        self._routine = _Lane(self)
        self.alarms = _Lane(self)
        self._is_alarm = is_alarm
        # Every message received and not yet acknowledged (queued, or in a batch not yet committed),
        # with when it arrived (monotonic), oldest first: the inbound backlog an operator watches.
        self._unacked: dict[_Receipt, float] = {}
        self._published: dict[int, asyncio.Future[None]] = {}
        # Publishes handed to paho and not yet confirmed, at most max_inflight_out (see MqttSettings).
        self._window = asyncio.Semaphore(settings.max_inflight_out)
        self._in_window: set[int] = set()
        self._generation = 0
        self._connected = asyncio.Event()
        self._lost = asyncio.Event()
        self._connect_error: str | None = None
        self._configured = False
        self._connecting = False  # paho is busy in the connect thread: the loop must not touch it
        self.reconnects = 0

    # --- public API -------------------------------------------------------------------------------
    def is_ready(self) -> bool:
        return self._connected.is_set()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    async def wait_lost(self) -> None:
        await self._lost.wait()

    @property
    def backlog(self) -> int:
        """Messages received from the broker and not yet acknowledged (their content not committed)."""
        return len(self._unacked)

    def oldest_unacknowledged_s(self) -> float:
        """Age of the oldest message received and not yet acknowledged (0 when there is none)."""
        for arrived in self._unacked.values():
            return max(0.0, time.monotonic() - arrived)
        return 0.0

    async def next_batch(self, max_messages: int) -> list[InboundMessage]:
        """The routine lane's next batch."""
        return await self._routine.next_batch(max_messages)

    def acknowledge(self, messages: Sequence[InboundMessage]) -> None:
        client = self._client
        if client is None:
            return
        stale = 0
        for message in messages:
            receipt = message.receipt
            if isinstance(receipt, _Receipt):
                self._unacked.pop(receipt, None)
            if not isinstance(receipt, _Receipt) or receipt.qos == 0:
                continue
            if receipt.generation != self._generation or not self.connected:
                stale += 1  # the broker will redeliver it on the new connection; the store dedupes
                continue
            client.ack(receipt.mid, receipt.qos)
        self._write_now()
        if stale:
            log.info("acknowledgements dropped after reconnect; broker will redeliver", count=stale)

    async def publish(self, message: OutboundMessage, *, retain: bool = False, not_after: float | None = None) -> None:
        """Publish at QoS 1 and wait for the broker's PUBACK. While disconnected it waits for the
        link (paho must not be touched while the connect thread works on it); a message the link
        loses before its PUBACK is resent by paho on the resumed session. With `not_after` (a
        time.monotonic() value) the message is handed to paho only before then: checked after any
        wait, right before the write, so a sender that stalled past it sends nothing."""
        client = self._require_client()
        await self._connected.wait()
        await self._window.acquire()
        if not_after is not None and time.monotonic() >= not_after:
            self._window.release()
            raise SendWindowClosed(f"claim lapsed before {message.topic} was sent")
        info = self._hand_over(client, message, retain)
        if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN, paho.MQTT_ERR_QUEUE_SIZE):
            raise MqttError(f"publish failed: {paho.error_string(info.rc)}")
        self._write_now()
        if info.is_published():
            return
        future = asyncio.get_running_loop().create_future()
        self._published[info.mid] = future
        try:
            await future
        finally:
            self._published.pop(info.mid, None)

    async def publish_all(
        self, messages: Sequence[OutboundMessage], *, not_after: float | None = None, timeout_s: float
    ) -> list[BaseException | None]:
        """Publish a batch at QoS 1 as `publish` does each message, with one write and one wait for all
        the PUBACKs (a backlog's `received` confirmations: no task, timeout or socket write per message).
        One result per message: None once the broker confirmed it, else the reason it was not."""
        results: list[BaseException | None] = [None] * len(messages)
        pending: dict[int, tuple[int, asyncio.Future[None]]] = {}  # message index → (packet id, PUBACK)
        try:
            async with asyncio.timeout(timeout_s):
                client = self._require_client()
                await self._connected.wait()
                loop = asyncio.get_running_loop()
                for i, message in enumerate(messages):
                    if self._window.locked():
                        self._write_now()  # what is handed over goes out while we wait for room
                    await self._window.acquire()
                    if not_after is not None and time.monotonic() >= not_after:
                        self._window.release()
                        results[i] = SendWindowClosed(f"claim lapsed before {message.topic} was sent")
                        continue
                    info = self._hand_over(client, message)
                    if info.rc not in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN, paho.MQTT_ERR_QUEUE_SIZE):
                        results[i] = MqttError(f"publish failed: {paho.error_string(info.rc)}")
                    elif not info.is_published():
                        # Registered before the loop runs again, so before its PUBACK can be read.
                        future = self._published[info.mid] = loop.create_future()
                        pending[i] = (info.mid, future)
                self._write_now()
                if pending:
                    await asyncio.wait([future for _, future in pending.values()])
        except TimeoutError as exc:
            for i, result in enumerate(results):
                if result is None and (i not in pending or not pending[i][1].done()):
                    results[i] = exc
        finally:
            for mid, future in pending.values():
                self._published.pop(mid, None)
                if not future.done():
                    future.cancel()
        for i, (_, future) in pending.items():
            if results[i] is None and future.done() and not future.cancelled():
                results[i] = future.exception()
        return results

    def _hand_over(self, client: paho.Client, message: OutboundMessage, retain: bool = False) -> paho.MQTTMessageInfo:
        """Give paho one QoS 1 publish that holds a place in the window (taken by the caller); the place is
        freed by its PUBACK, or at once if paho refused it."""
        try:
            info = client.publish(message.topic, message.payload, qos=1, retain=retain)
        except BaseException:  # paho refuses a bad topic or payload by raising
            self._window.release()
            raise
        if (
            info.rc in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN, paho.MQTT_ERR_QUEUE_SIZE)
            and not info.is_published()
        ):
            self._in_window.add(info.mid)
        else:
            self._window.release()
        return info

    async def run(self) -> None:
        """Connect, and reconnect with exponential backoff and jitter whenever the link drops."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._client = self._make_client()
        misc = asyncio.create_task(self._misc_loop(), name="mqtt-misc")
        backoff = Backoff(initial_s=0.2, maximum_s=30.0, jitter=0.2)
        try:
            while True:
                self._lost.clear()
                try:
                    await self._connect()
                    async with asyncio.timeout(self._settings.keepalive_s):
                        await _first_of(self._connected, self._lost)
                    if self._connected.is_set():
                        backoff.reset()
                        await self._lost.wait()
                    failure = None
                except (OSError, TimeoutError, MqttError) as exc:
                    failure = self._connect_error or str(exc) or type(exc).__name__
                self._connected.clear()
                delay = backoff.next_delay()
                if failure is not None:
                    log.warning(
                        "MQTT broker unreachable; retrying",
                        broker=f"{self._host}:{self._port}",
                        error=failure,
                        retry_in_s=round(delay, 2),
                    )
                await asyncio.sleep(delay)
                self.reconnects += 1
        finally:
            misc.cancel()
            await self._shutdown()

    # --- connection -------------------------------------------------------------------------------
    def _make_client(self) -> paho.Client:
        s = self._settings
        client = paho.Client(
            callback_api_version=paho.CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            protocol=paho.MQTTv5,
            manual_ack=True,
        )
        if self._username is not None:
            client.username_pw_set(self._username, self._password)
        if self._tls is not None:
            client.tls_set(self._tls.ca_file, self._tls.cert_file, self._tls.key_file)
        if s.will is not None:
            client.will_set(s.will[0], s.will[1], qos=1, retain=True)
        client.max_inflight_messages_set(0)  # unlimited in paho: the window is ours (self._window)
        client.max_queued_messages_set(0)  # unlimited: callers bound what they publish
        client.on_socket_open = self._on_socket_open
        client.on_socket_close = self._on_socket_close
        client.on_socket_register_write = self._on_socket_register_write
        client.on_socket_unregister_write = self._on_socket_unregister_write
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        return client

    async def _connect(self) -> None:
        client = self._require_client()
        s = self._settings
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = s.session_expiry_s
        properties.ReceiveMaximum = s.receive_maximum
        self._connect_error = None
        loop = asyncio.get_running_loop()
        # The TCP connect blocks, so it runs in a thread; paho's socket callbacks fired from there
        # hop back onto the loop with call_soon_threadsafe.
        self._connecting = True
        try:
            if not self._configured:
                await loop.run_in_executor(
                    None,
                    lambda: client.connect(
                        self._host, self._port, s.keepalive_s, clean_start=s.clean_start, properties=properties
                    ),
                )
                self._configured = True  # host, port and properties are kept for reconnect()
            else:
                await loop.run_in_executor(None, client.reconnect)
        finally:
            self._connecting = False

    def _on_connect(self, client: paho.Client, _userdata: Any, flags: Any, reason: ReasonCode, _props: Any) -> None:
        if reason.is_failure:
            self._connect_error = f"broker refused the connection: {reason}"
            log.error("MQTT connection refused", reason=str(reason))
            client.disconnect()
            return
        self._generation += 1
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE)
        if self._settings.unsubscriptions:
            client.unsubscribe(list(self._settings.unsubscriptions))
        if self._settings.subscriptions:
            client.subscribe([(topic, options) for topic in self._settings.subscriptions])
        self._connected.set()
        log.info(
            "MQTT connected",
            broker=f"{self._host}:{self._port}",
            client_id=self._settings.client_id,
            session_present=bool(getattr(flags, "session_present", False)),
            generation=self._generation,
        )

    def _on_disconnect(self, _client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _p: Any) -> None:
        was_connected = self._connected.is_set()
        self._connected.clear()
        self._lost.set()
        if was_connected:
            log.warning("MQTT connection lost", broker=f"{self._host}:{self._port}", reason=str(reason))

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        try:
            topic = msg.topic
        except UnicodeDecodeError:
            topic = msg._topic.decode("utf-8", "replace")
        receipt = _Receipt(self._generation, msg.mid, msg.qos)
        if msg.qos:  # QoS 0 is never acknowledged (and all share packet id 0)
            self._unacked[receipt] = time.monotonic()
        payload = bytes(msg.payload)  # paho hands over bytes or bytearray; the hub's messages hold bytes
        lane = self.alarms if self._is_alarm is not None and self._is_alarm(topic, payload) else self._routine
        lane.queue.put_nowait(InboundMessage(topic, payload, datetime.now(UTC), receipt))

    def _on_publish(self, _client: paho.Client, _userdata: Any, mid: int, _reason: Any, _props: Any) -> None:
        if mid in self._in_window:
            self._in_window.discard(mid)
            self._window.release()
        future = self._published.get(mid)
        if future is not None and not future.done():
            future.set_result(None)

    # --- socket registration with the asyncio loop ----------------------------------------------
    # paho calls these on the loop thread, except during connect/reconnect, which run in a worker
    # thread: then the call hops onto the loop. By the time it runs there, the old socket may be
    # closed and its descriptor number reused by the new one; calls are applied in order, and a
    # failure on a closed descriptor is harmless, so it is ignored.
    @property
    def _running_loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "paho's socket callbacks come only after connect()"
        return self._loop

    def _on_loop(self, func: Any, fd: int, *args: Any) -> None:
        if threading.get_ident() == self._loop_thread:
            _ignore_closed(func, fd, *args)
        else:
            self._running_loop.call_soon_threadsafe(_ignore_closed, func, fd, *args)

    def _on_socket_open(self, _client: paho.Client, _userdata: Any, sock: paho.SocketLike) -> None:
        if isinstance(sock, socket.socket):  # always, over TCP and TLS (paho's WebSocket wrapper is not used)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 2048 * 1024)
            # Small packets must leave at once: Nagle's algorithm against delayed ACKs adds ~40 ms to a
            # PUBACK or a command, which is most of the time a guard waits for "received".
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._on_loop(self._running_loop.add_reader, sock.fileno(), self._loop_read)

    def _on_socket_close(self, _client: paho.Client, _userdata: Any, sock: paho.SocketLike) -> None:
        self._on_loop(self._running_loop.remove_reader, sock.fileno())

    def _on_socket_register_write(self, _client: paho.Client, _userdata: Any, sock: paho.SocketLike) -> None:
        self._on_loop(self._running_loop.add_writer, sock.fileno(), self._loop_write)

    def _on_socket_unregister_write(self, _client: paho.Client, _userdata: Any, sock: paho.SocketLike) -> None:
        self._on_loop(self._running_loop.remove_writer, sock.fileno())

    def _loop_read(self) -> None:
        client = self._client
        if client is None or self._connecting:
            return
        # paho's loop_read reads one packet per call whatever it is asked: read what has arrived, in
        # bursts, instead of going back through the event loop's select once per message. Reading
        # eagerly is what lets an alarm behind a backlog reach its lane while the backlog is handled.
        for _ in range(_READ_BURST):
            client.loop_read()
            sock = client.socket()
            if self._connecting or not isinstance(sock, socket.socket) or not _has_input(sock):
                break
        else:  # more to read: let other work run first, then go on
            if self._loop is not None:
                self._loop.call_soon(self._loop_read)

    def _loop_write(self) -> None:
        if self._client is not None and not self._connecting:
            self._client.loop_write()

    def _write_now(self) -> None:
        """Send what paho queued at once (a guard's `received`, PUBACKs), not at the event loop's next
        turn, which may come after other work's slice; what the socket does not take now, the writer
        callback sends as before."""
        if self.connected:
            self._loop_write()

    async def _misc_loop(self) -> None:
        # Keepalive pings and timeouts.
        while True:
            await asyncio.sleep(1)
            if self._client is not None and self._connected.is_set() and not self._connecting:
                self._client.loop_misc()

    async def _shutdown(self) -> None:
        client = self._client
        self._connected.clear()
        for future in self._published.values():
            if not future.done():
                future.set_exception(MqttError("client closed"))
        if client is not None:
            client.disconnect()
            # Let the DISCONNECT go out (it suppresses the Last Will on a clean stop).
            await asyncio.sleep(0.05)
            client.loop_write()

    def _require_client(self) -> paho.Client:
        if self._client is None:
            raise MqttError("MQTT client is not running")
        return self._client


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def _has_input(sock: socket.socket) -> bool:
    """Bytes waiting: decrypted ones TLS holds (the socket no longer signals them), or on the socket."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):  # closed meanwhile
        return False


def _ignore_closed(func: Any, fd: int, *args: Any) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        func(fd, *args)
